/**
 * The issuer's signing key behind one small interface: a P-256 key held
 * locally (the local stack) or in AWS KMS. Both give JWS-form ES256
 * signatures (raw r||s, 64 bytes) and the same kind of public JWK, so the
 * credential code never knows which one it has.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  GetPublicKeyCommand,
  type KMSClient,
  SignCommand,
} from '@aws-sdk/client-kms';

export interface Signer {
  /** RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  readonly alg: 'ES256';
  /** The public P-256 key with `kid`, `alg` and `use: 'sig'`. */
  publicJwk(): Promise<JsonWebKey>;
  /** An ES256 signature of `data` in JWS form: raw r||s, 64 bytes. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export class SignerError extends Error {
  override readonly name = 'SignerError';
}

/** P-256 coordinates and scalars are 32 bytes. */
const P256_BYTES = 32;

/**
 * KMS signs at most 4096 bytes of message; a longer one goes as its SHA-256
 * digest. https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 */
const KMS_RAW_MESSAGE_LIMIT = 4096;

export function createLocalSigner(privateJwk: JsonWebKey): Signer {
  const jwk = assertP256(privateJwk, 'The local signing key');
  if (typeof jwk.d !== 'string') {
    throw new SignerError('The local signing key has no private part (d).');
  }
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const publicJwk = publicSigningJwk(jwk);

  return {
    kid: publicJwk.kid as string,
    alg: 'ES256',
    publicJwk: async () => ({ ...publicJwk }),
    sign: async (data) => es256Sign(key, data),
  };
}

/**
 * Returns the P-256 private JWK in the file at `path`, creating the file
 * (mode 0600) with a new key if there is none.
 */
export async function ensureLocalSigningKey(path: string): Promise<JsonWebKey> {
  const existing = await readKeyFile(path);
  if (existing) return existing;

  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JsonWebKey;
  try {
    await writeFile(path, `${JSON.stringify(jwk, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    // Another process created it first: use theirs, so both sign alike.
    if (errorCode(error) === 'EEXIST') {
      const raced = await readKeyFile(path);
      if (raced) return raced;
    }
    throw error;
  }

  return jwk;
}

/**
 * A signer over an asymmetric KMS key of spec ECC_NIST_P256. The public key
 * is fetched once, on first use of `publicJwk()`; `kid` is known only after
 * that, so read it from `publicJwk()` or build the signer with
 * `loadKmsSigner`.
 */
export function createKmsSigner(kms: KMSClient, keyId: string): Signer {
  let loaded: JsonWebKey | undefined;
  let loading: Promise<JsonWebKey> | undefined;

  const publicJwk = async (): Promise<JsonWebKey> => {
    if (loaded) return { ...loaded };
    loading ??= fetchKmsPublicJwk(kms, keyId).then(
      (jwk) => {
        loaded = jwk;
        return jwk;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );

    return { ...(await loading) };
  };

  return {
    get kid(): string {
      if (!loaded) {
        throw new SignerError(
          'The KMS public key is not loaded yet: await publicJwk() first, ' +
            'or create the signer with loadKmsSigner().',
        );
      }
      return loaded.kid as string;
    },
    alg: 'ES256',
    publicJwk,
    sign: async (data) => {
      const raw = data.byteLength <= KMS_RAW_MESSAGE_LIMIT;
      const output = await kms.send(
        new SignCommand({
          KeyId: keyId,
          SigningAlgorithm: 'ECDSA_SHA_256',
          MessageType: raw ? 'RAW' : 'DIGEST',
          Message: raw ? data : createHash('sha256').update(data).digest(),
        }),
      );
      if (!output.Signature) {
        throw new SignerError('KMS returned no signature.');
      }

      return derToJoseSignature(output.Signature);
    },
  };
}

/** A KMS signer whose public key (and so `kid`) is already loaded. */
export async function loadKmsSigner(
  kms: KMSClient,
  keyId: string,
): Promise<Signer> {
  const signer = createKmsSigner(kms, keyId);
  await signer.publicJwk();

  return signer;
}

/**
 * ECDSA-Sig-Value (RFC 3279: SEQUENCE { r INTEGER, s INTEGER }) to the
 * fixed-width r||s form JWS uses (RFC 7518 section 3.4).
 */
export function derToJoseSignature(der: Uint8Array): Uint8Array {
  const reader = { bytes: der, at: 0 };
  expectByte(reader, 0x30);
  const sequenceLength = readLength(reader);
  if (reader.at + sequenceLength !== der.length) {
    throw new SignerError('The DER signature has a wrong length.');
  }
  const r = readUnsignedInteger(reader);
  const s = readUnsignedInteger(reader);
  if (reader.at !== der.length) {
    throw new SignerError('The DER signature has trailing bytes.');
  }

  const out = new Uint8Array(P256_BYTES * 2);
  out.set(r, P256_BYTES - r.length);
  out.set(s, P256_BYTES * 2 - s.length);
  return out;
}

/** RFC 7638 thumbprint (SHA-256, base64url) of an EC public key. */
export function ecJwkThumbprint(jwk: JsonWebKey): string {
  // The required members in lexicographic order, no whitespace.
  const canonical = JSON.stringify({
    crv: jwk.crv,
    kty: jwk.kty,
    x: jwk.x,
    y: jwk.y,
  });

  return createHash('sha256').update(canonical).digest('base64url');
}

async function fetchKmsPublicJwk(
  kms: KMSClient,
  keyId: string,
): Promise<JsonWebKey> {
  const output = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  if (output.KeySpec !== 'ECC_NIST_P256' || !output.PublicKey) {
    throw new SignerError(
      `KMS key ${keyId} is ${output.KeySpec ?? 'of no known spec'}; ` +
        'use an asymmetric ECC_NIST_P256 key with key usage SIGN_VERIFY.',
    );
  }
  if (!output.SigningAlgorithms?.includes('ECDSA_SHA_256')) {
    throw new SignerError(`KMS key ${keyId} cannot sign with ECDSA_SHA_256.`);
  }
  const key = createPublicKey({
    key: Buffer.from(output.PublicKey),
    format: 'der',
    type: 'spki',
  });

  return publicSigningJwk(key.export({ format: 'jwk' }) as JsonWebKey);
}

function publicSigningJwk(jwk: JsonWebKey): JsonWebKey {
  const { kty, crv, x, y } = jwk;

  return {
    kty,
    crv,
    x,
    y,
    kid: ecJwkThumbprint(jwk),
    alg: 'ES256',
    use: 'sig',
  };
}

function es256Sign(key: KeyObject, data: Uint8Array): Uint8Array {
  const signature = sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });

  return new Uint8Array(signature);
}

function assertP256(value: unknown, what: string): JsonWebKey {
  const jwk = value as JsonWebKey | null;
  if (
    typeof jwk !== 'object' ||
    jwk === null ||
    jwk.kty !== 'EC' ||
    jwk.crv !== 'P-256' ||
    typeof jwk.x !== 'string' ||
    typeof jwk.y !== 'string'
  ) {
    throw new SignerError(`${what} is not a P-256 JWK.`);
  }

  return jwk;
}

async function readKeyFile(path: string): Promise<JsonWebKey | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SignerError(
      `The signing key file ${path} is not JSON; delete it to make a new key.`,
      { cause: error },
    );
  }
  const jwk = assertP256(parsed, `The signing key file ${path}`);
  if (typeof jwk.d !== 'string') {
    throw new SignerError(`The signing key file ${path} has no private key.`);
  }

  return jwk;
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

interface DerReader {
  bytes: Uint8Array;
  at: number;
}

function readByte(reader: DerReader): number {
  const byte = reader.bytes[reader.at];
  if (byte === undefined) {
    throw new SignerError('The DER signature is truncated.');
  }
  reader.at += 1;

  return byte;
}

function expectByte(reader: DerReader, expected: number): void {
  if (readByte(reader) !== expected) {
    throw new SignerError('The DER signature is malformed.');
  }
}

function readLength(reader: DerReader): number {
  const first = readByte(reader);
  if (first < 0x80) return first;
  // Long form; a P-256 signature never needs more than one length byte.
  if (first !== 0x81) {
    throw new SignerError('The DER signature length is not supported.');
  }

  return readByte(reader);
}

function readUnsignedInteger(reader: DerReader): Uint8Array {
  expectByte(reader, 0x02);
  const length = readLength(reader);
  const end = reader.at + length;
  if (length === 0 || end > reader.bytes.length) {
    throw new SignerError('The DER signature has a bad integer.');
  }
  let value = reader.bytes.subarray(reader.at, end);
  reader.at = end;
  // DER adds a 0x00 byte to keep a high-bit integer positive.
  while (value.length > 1 && value[0] === 0) value = value.subarray(1);
  if (value.length > P256_BYTES) {
    throw new SignerError('The DER signature integer is too long for P-256.');
  }

  return value;
}
