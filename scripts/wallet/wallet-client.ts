/**
 * A wallet, as a test or the demo drives one: it redeems a credential offer
 * with the pre-authorized code flow of OpenID4VCI 1.0 through
 * `@openid4vc/openid4vci` (the library a real wallet might use, so the
 * server is held to what such a wallet accepts), refreshes the record with
 * the DPoP-bound refresh token it got, and checks the SD-JWT VC it got the
 * way a verifier would.
 *
 * Every token request and every credential request carries a DPoP proof
 * (RFC 9449) made with the library's own DPoP support, which also answers a
 * `use_dpop_nonce` challenge by retrying once with the nonce given.
 */
import { createHash, type JsonWebKey, randomBytes } from 'node:crypto';
import {
  type AccessTokenResponse,
  type CallbackContext,
  clientAuthenticationAnonymous,
  HashAlgorithm,
  type Jwk,
  type JwtSignerJwk,
  Oauth2Client,
} from '@openid4vc/oauth2';
import {
  getGlobalConfig,
  type IssuerMetadataResult,
  Openid4vciClient,
  Openid4vciVersion,
  setGlobalConfig,
} from '@openid4vc/openid4vci';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import {
  CompactSign,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
} from 'jose';
import { accessTokenHash } from '../../functions/wallet/dpop.js';
import { CREDENTIAL_CONFIGURATION_ID } from '../../functions/wallet/metadata.js';
import { EDUCATION_RECORD_VCT } from '../../functions/wallet/sd-jwt.js';
import {
  STATUS_LIST_JWT_TYP,
  statusValues,
} from '../../functions/wallet/status-list.js';

export interface RedeemOfferInput {
  /** `openid-credential-offer://?credential_offer_uri=...` */
  credentialOfferUri: string;
  txCode: string;
  fetch?: typeof fetch;
}

/** The keys a wallet keeps: one proves DPoP, the other holds the record. */
export interface WalletKeys {
  dpopPrivateJwk: JsonWebKey;
  dpopJwk: JsonWebKey;
  holderPrivateJwk: JsonWebKey;
  holderJwk: JsonWebKey;
}

export interface RedeemedOffer extends WalletKeys {
  credential: string;
  accessToken: string;
  /** Bound to `dpopJwk`; each use returns the next one. */
  refreshToken: string;
  tokenResponse: AccessTokenResponse;
}

export interface RefreshRecordInput extends WalletKeys {
  /** The credential issuer identifier. */
  issuer: string;
  refreshToken: string;
  fetch?: typeof fetch;
}

export interface RefreshedRecord {
  credential: string;
  accessToken: string;
  refreshToken: string;
  tokenResponse: AccessTokenResponse;
}

export class WalletError extends Error {
  override readonly name = 'WalletError';
}

/** A record whose status list entry is not one the caller accepts. */
export class RecordStatusError extends Error {
  override readonly name = 'RecordStatusError';
  readonly status: number;

  constructor(status: number) {
    super(`The credential's status is ${statusName(status)} (${status}).`);
    this.status = status;
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The one DPoP and proof algorithm this wallet signs with. */
const WALLET_ALG = 'ES256';

export async function redeemOffer(
  input: RedeemOfferInput,
): Promise<RedeemedOffer> {
  const offerUrl = new URL(input.credentialOfferUri).searchParams.get(
    'credential_offer_uri',
  );
  if (!offerUrl) {
    throw new WalletError('The offer has no credential_offer_uri.');
  }

  return withUrlPolicyFor(offerUrl, async () => {
    // Two keys, so that the key verifiers see in the record's cnf is not the
    // one that authenticates this wallet to the issuer.
    const [dpop, holder] = await Promise.all([newKeyPair(), newKeyPair()]);
    const keys: WalletKeys = {
      dpopPrivateJwk: dpop.privateJwk,
      dpopJwk: dpop.jwk,
      holderPrivateJwk: holder.privateJwk,
      holderJwk: holder.jwk,
    };
    const client = new Openid4vciClient({
      callbacks: walletCallbacks(keys, input.fetch),
    });

    const credentialOffer = await client.resolveCredentialOffer(
      input.credentialOfferUri,
    );
    if (
      !credentialOffer.credential_configuration_ids.includes(
        CREDENTIAL_CONFIGURATION_ID,
      )
    ) {
      throw new WalletError(
        `The offer is not for ${CREDENTIAL_CONFIGURATION_ID}.`,
      );
    }
    // Fetches the issuer's metadata and then its authorization server's.
    const issuerMetadata = await resolveIssuer(
      client,
      credentialOffer.credential_issuer,
    );

    const { accessTokenResponse } =
      await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
        credentialOffer,
        issuerMetadata,
        txCode: input.txCode,
        dpop: { signer: dpopSigner(keys.dpopJwk) },
      });
    const tokens = boundTokens(accessTokenResponse);
    const credential = await requestCredential(
      client,
      issuerMetadata,
      tokens.accessToken,
      keys,
    );

    return { credential, ...tokens, ...keys };
  });
}

/**
 * Swaps the refresh token for new tokens and asks for the current record,
 * bound to the same holder key. The issuer rotates refresh tokens, so the
 * one returned replaces the one given.
 */
export async function refreshRecord(
  input: RefreshRecordInput,
): Promise<RefreshedRecord> {
  return withUrlPolicyFor(input.issuer, async () => {
    const callbacks = walletCallbacks(input, input.fetch);
    const client = new Openid4vciClient({ callbacks });
    const issuerMetadata = await resolveIssuer(client, input.issuer);
    const authorizationServer = issuerMetadata.authorizationServers.find(
      (server) => server.issuer === input.issuer,
    );
    if (!authorizationServer) {
      throw new WalletError(
        `${input.issuer} is not its own authorization server; this wallet ` +
          'does not know where its refresh token goes.',
      );
    }

    const { accessTokenResponse } = await new Oauth2Client({
      callbacks,
    }).retrieveRefreshTokenAccessToken({
      authorizationServerMetadata: authorizationServer,
      refreshToken: input.refreshToken,
      resource: input.issuer,
      dpop: { signer: dpopSigner(input.dpopJwk) },
    });
    const tokens = boundTokens(accessTokenResponse);
    if (tokens.refreshToken === input.refreshToken) {
      throw new WalletError(
        'The refresh gave back the same refresh token; the issuer should ' +
          'rotate it.',
      );
    }
    const credential = await requestCredential(
      client,
      issuerMetadata,
      tokens.accessToken,
      input,
    );

    return { credential, ...tokens };
  });
}

export interface DpopProofInput {
  privateJwk: JsonWebKey;
  /** The public key the header names; a test may give another than d's. */
  jwk: JsonWebKey;
  method: string;
  url: string;
  /** For a protected resource: the proof then carries its `ath`. */
  accessToken?: string;
  nonce?: string;
  /** Seconds since the epoch; now if not given. */
  iat?: number;
}

/**
 * One DPoP proof JWT, built by hand. The wallet's own requests use the
 * library's proofs; this is for tests that need a proof the library would
 * not make (old, for another URL, signed by another key).
 */
export async function dpopProof(input: DpopProofInput): Promise<string> {
  const { kty, crv, x, y } = input.jwk;
  const payload = {
    jti: randomBytes(16).toString('base64url'),
    htm: input.method,
    htu: input.url,
    iat: input.iat ?? Math.floor(Date.now() / 1000),
    ...(input.accessToken !== undefined && {
      ath: accessTokenHash(input.accessToken),
    }),
    ...(input.nonce !== undefined && { nonce: input.nonce }),
  };
  const key = await importJWK(
    input.privateJwk as Parameters<typeof importJWK>[0],
    WALLET_ALG,
  );

  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({
      typ: 'dpop+jwt',
      alg: WALLET_ALG,
      jwk: { kty, crv, x, y },
    })
    .sign(key);
}

async function newKeyPair(): Promise<{
  privateJwk: JsonWebKey;
  jwk: JsonWebKey;
}> {
  const { privateKey, publicKey } = await generateKeyPair(WALLET_ALG, {
    extractable: true,
  });
  const [privateJwk, jwk] = await Promise.all([
    exportJWK(privateKey),
    exportJWK(publicKey),
  ]);

  return { privateJwk: privateJwk as JsonWebKey, jwk: jwk as JsonWebKey };
}

function dpopSigner(jwk: JsonWebKey): JwtSignerJwk {
  return { method: 'jwk', alg: WALLET_ALG, publicJwk: jwk as Jwk };
}

/** The issuer's metadata, refused unless it is 1.0 and takes ES256 DPoP. */
async function resolveIssuer(
  client: Openid4vciClient,
  issuer: string,
): Promise<IssuerMetadataResult> {
  const issuerMetadata = await client.resolveIssuerMetadata(issuer);
  if (issuerMetadata.originalDraftVersion !== Openid4vciVersion.V1) {
    throw new WalletError(
      'The issuer metadata reads as OpenID4VCI ' +
        `${issuerMetadata.originalDraftVersion}, not 1.0.`,
    );
  }
  for (const server of issuerMetadata.authorizationServers) {
    if (!server.dpop_signing_alg_values_supported?.includes(WALLET_ALG)) {
      throw new WalletError(
        `The authorization server ${server.issuer} does not take ` +
          `${WALLET_ALG} DPoP proofs.`,
      );
    }
  }

  return issuerMetadata;
}

/**
 * RFC 9449 section 5 lets a server answer a DPoP token request with a
 * Bearer token, and lets the client refuse it when DPoP matters: it does
 * here, as does a refresh token that is missing.
 */
function boundTokens(response: AccessTokenResponse): {
  accessToken: string;
  refreshToken: string;
  tokenResponse: AccessTokenResponse;
} {
  // RFC 6749 section 7.1: the token type is matched without case.
  if (response.token_type.toLowerCase() !== 'dpop') {
    throw new WalletError(
      `The token response's token_type is ${response.token_type}, not DPoP.`,
    );
  }
  if (!response.refresh_token) {
    throw new WalletError('The token response has no refresh_token.');
  }

  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    tokenResponse: response,
  };
}

/** Nonce, proof of the holder key, then the DPoP-bound credential request. */
async function requestCredential(
  client: Openid4vciClient,
  issuerMetadata: IssuerMetadataResult,
  accessToken: string,
  keys: WalletKeys,
): Promise<string> {
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt: proof } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: CREDENTIAL_CONFIGURATION_ID,
    signer: {
      method: 'jwk',
      alg: WALLET_ALG,
      publicJwk: keys.holderJwk as Jwk,
    },
    nonce: c_nonce,
    issuedAt: new Date(),
  });
  const { credentialResponse } = await client.retrieveCredentials({
    issuerMetadata,
    credentialConfigurationId: CREDENTIAL_CONFIGURATION_ID,
    proofs: { jwt: [proof] },
    accessToken,
    dpop: { signer: dpopSigner(keys.dpopJwk) },
  });

  const [first] = credentialResponse.credentials ?? [];
  const credential =
    typeof first === 'object' && first !== null && 'credential' in first
      ? first.credential
      : undefined;
  if (typeof credential !== 'string') {
    throw new WalletError(
      'The credential response has no credentials[0].credential string.',
    );
  }

  return credential;
}

export interface VerifyEducationRecordInput {
  /** The credential issuer identifier the credential should name. */
  issuer: string;
  /**
   * The status list values taken as good; only `valid` if not given. A
   * wallet checking whether its copy is current might add `superseded`.
   */
  acceptStatuses?: readonly number[];
  fetch?: typeof fetch;
}

export interface VerifiedEducationRecord {
  claims: Record<string, unknown>;
  /** The status list value, when the credential names an entry. */
  status?: number;
}

/**
 * Checks the credential as a verifier would: the issuer's key from its
 * JWT VC Issuer Metadata, the signature, every disclosure, and the status
 * list entry if there is one. Returns every claim, disclosed, and the
 * status; a status not in `acceptStatuses` throws `RecordStatusError`.
 */
export async function verifyEducationRecord(
  credential: string,
  input: VerifyEducationRecordInput,
): Promise<VerifiedEducationRecord> {
  const fetcher = input.fetch ?? fetch;
  const accepted = input.acceptStatuses ?? [statusValues.valid];
  const issuerJwt = credential.split('~')[0] ?? '';
  const header = decodeProtectedHeader(issuerJwt);
  if (header.typ !== 'dc+sd-jwt') {
    throw new WalletError(`The credential's typ is ${header.typ}.`);
  }
  if (header.alg !== 'ES256' || typeof header.kid !== 'string') {
    throw new WalletError('The credential needs alg ES256 and a kid.');
  }

  return withUrlPolicyFor(input.issuer, async () => {
    const keys = await fetchIssuerKeys(input.issuer, fetcher);
    const key = keys.find((candidate) => candidate.kid === header.kid);
    if (!key) {
      throw new WalletError(
        `The issuer publishes no key with kid ${header.kid}.`,
      );
    }
    const verifier = await ES256.getVerifier(key);
    let status: number | undefined;
    const sdJwtVc = new SDJwtVcInstance({
      hasher: digest,
      verifier,
      statusListFetcher: (uri) => fetchStatusList(uri, fetcher),
      // The library refuses anything but 0; the status is judged below,
      // after the rest of the credential has been checked.
      statusValidator: async (value) => {
        status = value;
      },
    });

    const { payload } = await sdJwtVc.verify(credential);
    assertEveryDisclosureReferenced(credential);
    if (payload.iss !== input.issuer) {
      throw new WalletError(`The credential's iss is ${payload.iss}.`);
    }
    if (payload.vct !== EDUCATION_RECORD_VCT) {
      throw new WalletError(`The credential's vct is ${payload.vct}.`);
    }
    if (status !== undefined && !accepted.includes(status)) {
      throw new RecordStatusError(status);
    }

    return {
      claims: payload as Record<string, unknown>,
      ...(status !== undefined && { status }),
    };
  });
}

/**
 * RFC 9901 section 7.1 refuses an SD-JWT with a disclosure that no digest
 * refers to; @sd-jwt 0.19 quietly drops such a disclosure instead, so the
 * check is made here, where the issuer's output is under test.
 */
function assertEveryDisclosureReferenced(credential: string): void {
  const [jwt = '', ...rest] = credential.split('~');
  const disclosures = rest.filter((part, index) => {
    // The last part is empty, or a KB-JWT, which is no disclosure.
    return index < rest.length - 1 && part !== '';
  });
  const referenced = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const element of value) collect(element);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [name, member] of Object.entries(value)) {
      if (name === '_sd' && Array.isArray(member)) {
        for (const digest of member) referenced.add(String(digest));
      } else if (name === '...') {
        referenced.add(String(member));
      } else {
        collect(member);
      }
    }
  };
  collect(
    JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()),
  );
  for (const disclosure of disclosures) {
    collect(JSON.parse(Buffer.from(disclosure, 'base64url').toString()));
  }

  for (const disclosure of disclosures) {
    const digest = createHash('sha256').update(disclosure).digest('base64url');
    if (!referenced.has(digest)) {
      throw new WalletError('The credential has a disclosure no digest names.');
    }
  }
}

/**
 * @openid4vc/openid4vci has no SD-JWT VC issuer metadata lookup, so this
 * one step uses plain fetch: the path is the issuer's origin, then
 * `/.well-known/jwt-vc-issuer`, then the issuer's path.
 */
async function fetchIssuerKeys(
  issuer: string,
  fetcher: typeof fetch,
): Promise<JsonWebKey[]> {
  const { origin, pathname } = new URL(issuer);
  const path = pathname.replace(/\/$/, '');
  const response = await fetcher(`${origin}/.well-known/jwt-vc-issuer${path}`);
  if (!response.ok) {
    throw new WalletError(
      `The JWT VC issuer metadata answered ${response.status}.`,
    );
  }
  const metadata = (await response.json()) as {
    issuer?: unknown;
    jwks?: { keys?: unknown };
  };
  if (metadata.issuer !== issuer) {
    throw new WalletError(
      `The JWT VC issuer metadata names ${String(metadata.issuer)}.`,
    );
  }
  if (!Array.isArray(metadata.jwks?.keys)) {
    throw new WalletError('The JWT VC issuer metadata has no jwks.keys.');
  }

  return metadata.jwks.keys as JsonWebKey[];
}

/**
 * The status list token at `uri`. @sd-jwt checks its signature and reads
 * it, but not its `typ` or that its `sub` is the URL it came from (the
 * draft's validation rules ask for both), so those are checked here.
 */
async function fetchStatusList(
  uri: string,
  fetcher: typeof fetch,
): Promise<string> {
  const response = await fetcher(uri, {
    headers: { Accept: 'application/statuslist+jwt' },
  });
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || !type.includes('application/statuslist+jwt')) {
    throw new WalletError(
      `The status list at ${uri} answered ${response.status} ${type}.`,
    );
  }
  const jwt = await response.text();
  const { typ } = decodeProtectedHeader(jwt);
  if (typ !== STATUS_LIST_JWT_TYP) {
    throw new WalletError(`The status list at ${uri} is typed ${typ}.`);
  }
  const { sub } = decodeJwt(jwt);
  if (sub !== uri) {
    throw new WalletError(`The status list at ${uri} names itself ${sub}.`);
  }

  return jwt;
}

function statusName(status: number): string {
  const names = Object.entries(statusValues);
  const found = names.find(([, value]) => value === status);

  return found?.[0] ?? 'unknown';
}

function walletCallbacks(
  keys: WalletKeys,
  fetcher?: typeof fetch,
): Omit<CallbackContext, 'verifyJwt' | 'decryptJwe' | 'encryptJwe'> {
  const privateFor = (publicJwk: Jwk): JsonWebKey => {
    const pairs = [
      [keys.dpopJwk, keys.dpopPrivateJwk],
      [keys.holderJwk, keys.holderPrivateJwk],
    ] as const;
    const pair = pairs.find(
      ([jwk]) => jwk.x === publicJwk.x && jwk.y === publicJwk.y,
    );
    if (!pair) {
      throw new WalletError('This wallet holds no private key for that jwk.');
    }

    return pair[1];
  };

  return {
    ...(fetcher && { fetch: fetcher }),
    hash: (data, alg) => {
      const algorithms: Record<HashAlgorithm, string> = {
        [HashAlgorithm.Sha256]: 'sha256',
        [HashAlgorithm.Sha384]: 'sha384',
        [HashAlgorithm.Sha512]: 'sha512',
      };

      return new Uint8Array(createHash(algorithms[alg]).update(data).digest());
    },
    generateRandom: (byteLength) => new Uint8Array(randomBytes(byteLength)),
    // The pre-authorized code grant with anonymous access: no client id.
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, { header, payload }) => {
      if (signer.method !== 'jwk') {
        throw new WalletError(`This wallet cannot sign as ${signer.method}.`);
      }
      const key = await importJWK(
        privateFor(signer.publicJwk) as Parameters<typeof importJWK>[0],
        signer.alg,
      );
      const jwt = await new CompactSign(
        new TextEncoder().encode(JSON.stringify(payload)),
      )
        .setProtectedHeader(header)
        .sign(key);

      return { jwt, signerJwk: signer.publicJwk };
    },
  };
}

/**
 * The library refuses plain http unless told otherwise, through a global
 * switch. Allow it only for a loopback issuer, and only for this call.
 * Calls that overlap should all be loopback or all https.
 */
async function withUrlPolicyFor<T>(
  url: string,
  run: () => Promise<T>,
): Promise<T> {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return run();
  if (protocol !== 'http:' || !LOOPBACK_HOSTS.has(hostname)) {
    throw new WalletError(
      `Refusing ${url}: only https, or http on a loopback address.`,
    );
  }

  // The library's switch is global: count the calls that need it, so that
  // one wallet finishing does not turn it off under another still running.
  if (insecureCalls++ === 0) {
    setGlobalConfig({ ...getGlobalConfig(), allowInsecureUrls: true });
  }
  try {
    return await run();
  } finally {
    if (--insecureCalls === 0) {
      setGlobalConfig({ ...getGlobalConfig(), allowInsecureUrls: false });
    }
  }
}

let insecureCalls = 0;
