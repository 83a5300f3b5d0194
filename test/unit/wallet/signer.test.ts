import {
  createHash,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  type SignCommandInput,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint, compactVerify, importJWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createKmsSigner,
  createLocalSigner,
  derToJoseSignature,
  ensureLocalSigningKey,
  loadKmsSigner,
  type Signer,
  SignerError,
} from '../../../functions/wallet/signer.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const kmsMock = mockClient(KMSClient);

function newKeyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

function privateJwkOf(key: KeyObject): JsonWebKey {
  return key.export({ format: 'jwk' }) as JsonWebKey;
}

/** A loopback client with dummy credentials; the mock answers its calls. */
function localKmsClient(): KMSClient {
  return new KMSClient({
    region: 'eu-west-2',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** Signs `payload` as a JWS with `signer` and checks it with jose. */
async function signAndVerifyJws(signer: Signer, payload: string) {
  const jwk = await signer.publicJwk();
  const header = Buffer.from(
    JSON.stringify({ alg: 'ES256', kid: signer.kid }),
  ).toString('base64url');
  const body = Buffer.from(payload).toString('base64url');
  const signature = await signer.sign(
    new TextEncoder().encode(`${header}.${body}`),
  );
  const encoded = Buffer.from(signature).toString('base64url');
  const jws = `${header}.${body}.${encoded}`;
  const key = await importJWK(jwk as Parameters<typeof importJWK>[0], 'ES256');
  const result = await compactVerify(jws, key, { algorithms: ['ES256'] });

  return { signature, payload: new TextDecoder().decode(result.payload) };
}

describe('createLocalSigner', () => {
  it('signs JWS-form ES256 signatures that jose verifies', async () => {
    const { privateKey } = newKeyPair();
    const signer = createLocalSigner(privateJwkOf(privateKey));

    const { signature, payload } = await signAndVerifyJws(signer, '{"a":1}');

    expect(signature).toHaveLength(64);
    expect(payload).toBe('{"a":1}');
  });

  it('publishes its public key, kid the RFC 7638 thumbprint', async () => {
    const { privateKey, publicKey } = newKeyPair();
    const signer = createLocalSigner(privateJwkOf(privateKey));

    const jwk = await signer.publicJwk();

    const expected = publicKey.export({ format: 'jwk' });
    const thumbprint = await calculateJwkThumbprint(
      expected as Parameters<typeof calculateJwkThumbprint>[0],
    );
    expect(jwk).toEqual({
      ...expected,
      kid: thumbprint,
      alg: 'ES256',
      use: 'sig',
    });
    expect(signer.kid).toBe(thumbprint);
    expect(jwk).not.toHaveProperty('d');
  });

  it('refuses a key without its private part', () => {
    const { publicKey } = newKeyPair();
    const jwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;

    expect(() => createLocalSigner(jwk)).toThrow(SignerError);
  });

  it('refuses a key on another curve', () => {
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-384',
    });

    expect(() => createLocalSigner(privateJwkOf(privateKey))).toThrow(
      /not a P-256 JWK/,
    );
  });
});

describe('ensureLocalSigningKey', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'signing-key-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('creates a P-256 key file only its owner can read', async () => {
    const path = join(directory, 'nested', 'signing-key.json');

    const jwk = await ensureLocalSigningKey(path);

    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(typeof jwk.d).toBe('string');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(jwk);
  });

  it('returns the key already in the file', async () => {
    const path = join(directory, 'signing-key.json');
    const first = await ensureLocalSigningKey(path);

    const second = await ensureLocalSigningKey(path);

    expect(second).toEqual(first);
  });

  it('refuses a file that holds no private key', async () => {
    const path = join(directory, 'signing-key.json');
    const { publicKey } = newKeyPair();
    await writeFile(path, JSON.stringify(publicKey.export({ format: 'jwk' })));

    await expect(ensureLocalSigningKey(path)).rejects.toThrow(
      /has no private key/,
    );
  });

  it('refuses a file that is not JSON', async () => {
    const path = join(directory, 'signing-key.json');
    await writeFile(path, 'not json');

    await expect(ensureLocalSigningKey(path)).rejects.toThrow(/is not JSON/);
  });
});

describe('createKmsSigner', () => {
  const { privateKey, publicKey } = newKeyPair();
  const spki = new Uint8Array(
    publicKey.export({ format: 'der', type: 'spki' }),
  );
  const keyId = 'alias/education-record-signing';

  beforeEach(() => {
    kmsMock.on(GetPublicKeyCommand).resolves({
      KeyId: keyId,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
      PublicKey: spki,
    });
    // KMS answers with a DER ECDSA-Sig-Value, as node:crypto makes by default.
    kmsMock.on(SignCommand).callsFake((input: SignCommandInput) => ({
      KeyId: keyId,
      SigningAlgorithm: 'ECDSA_SHA_256',
      Signature: new Uint8Array(
        sign('sha256', input.Message as Uint8Array, privateKey),
      ),
    }));
  });

  afterEach(() => {
    kmsMock.reset();
  });

  it('signs JWS-form signatures its public key verifies', async () => {
    const signer = await loadKmsSigner(localKmsClient(), keyId);

    const { signature } = await signAndVerifyJws(signer, '{"b":2}');

    expect(signature).toHaveLength(64);
    expect(kmsMock.commandCalls(SignCommand)[0]?.args[0].input).toMatchObject({
      KeyId: keyId,
      SigningAlgorithm: 'ECDSA_SHA_256',
      MessageType: 'RAW',
    });
  });

  it('turns the SPKI public key into a JWK with a thumbprint kid', async () => {
    const signer = createKmsSigner(localKmsClient(), keyId);

    const jwk = await signer.publicJwk();

    const expected = publicKey.export({ format: 'jwk' });
    expect(jwk).toEqual({
      ...expected,
      kid: await calculateJwkThumbprint(
        expected as Parameters<typeof calculateJwkThumbprint>[0],
      ),
      alg: 'ES256',
      use: 'sig',
    });
    expect(signer.kid).toBe(jwk.kid);
  });

  it('fetches the public key once however often it is asked for', async () => {
    const signer = createKmsSigner(localKmsClient(), keyId);

    await Promise.all([signer.publicJwk(), signer.publicJwk()]);
    await signer.publicJwk();

    expect(kmsMock.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('says how to get the kid when asked before the key is loaded', () => {
    const signer = createKmsSigner(localKmsClient(), keyId);

    expect(() => signer.kid).toThrow(/await publicJwk\(\) first/);
  });

  it('sends a message over 4096 bytes as its SHA-256 digest', async () => {
    const message = new Uint8Array(5000).fill(7);
    kmsMock.on(SignCommand).callsFake(() => ({
      Signature: new Uint8Array(sign('sha256', message, privateKey)),
    }));
    const signer = createKmsSigner(localKmsClient(), keyId);

    const signature = await signer.sign(message);

    const input = kmsMock.commandCalls(SignCommand)[0]?.args[0].input;
    expect(input?.MessageType).toBe('DIGEST');
    expect(Buffer.from(input?.Message as Uint8Array)).toEqual(
      createHash('sha256').update(message).digest(),
    );
    expect(
      verify(
        'sha256',
        message,
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        signature,
      ),
    ).toBe(true);
  });

  it('refuses a KMS key that is not P-256', async () => {
    kmsMock.on(GetPublicKeyCommand).resolves({
      KeySpec: 'RSA_2048',
      SigningAlgorithms: ['RSASSA_PSS_SHA_256'],
      PublicKey: spki,
    });
    const signer = createKmsSigner(localKmsClient(), keyId);

    await expect(signer.publicJwk()).rejects.toThrow(/ECC_NIST_P256/);
  });

  it('asks KMS again after a failed public key fetch', async () => {
    kmsMock
      .on(GetPublicKeyCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({
        KeySpec: 'ECC_NIST_P256',
        SigningAlgorithms: ['ECDSA_SHA_256'],
        PublicKey: spki,
      });
    const signer = createKmsSigner(localKmsClient(), keyId);

    await expect(signer.publicJwk()).rejects.toThrow('throttled');
    await expect(signer.publicJwk()).resolves.toMatchObject({ kty: 'EC' });
  });
});

describe('derToJoseSignature', () => {
  const { privateKey, publicKey } = newKeyPair();

  it('gives JWS signatures that verify, short integers too', () => {
    // About 1 signature in 128 has an r or s under 32 bytes; go on until
    // one has turned up, so the left padding is exercised every run.
    let padded = 0;
    for (let i = 0; i < 5000 && padded < 3; i += 1) {
      const data = Buffer.from(`message ${i}`);
      const der = sign('sha256', data, privateKey);

      const raw = derToJoseSignature(der);

      const rLength = der[3] ?? 0;
      const sLength = der[5 + rLength] ?? 0;
      if (rLength < 32 || sLength < 32) padded += 1;
      expect(
        verify(
          'sha256',
          data,
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          raw,
        ),
      ).toBe(true);
    }
    expect(padded).toBe(3);
  });

  it('strips the sign byte DER puts before a high-bit integer', () => {
    const r = [0x00, 0x80, ...new Array(31).fill(0x01)];
    const s = [0x7f, ...new Array(31).fill(0x02)];
    const der = Uint8Array.from([
      0x30,
      2 + r.length + 2 + s.length,
      0x02,
      r.length,
      ...r,
      0x02,
      s.length,
      ...s,
    ]);

    const raw = derToJoseSignature(der);

    expect(Array.from(raw)).toEqual([...r.slice(1), ...s]);
  });

  it('refuses a truncated signature', () => {
    const der = sign('sha256', Buffer.from('x'), privateKey);

    expect(() => derToJoseSignature(der.subarray(0, der.length - 1))).toThrow(
      SignerError,
    );
  });

  it('refuses trailing bytes after the sequence', () => {
    const der = sign('sha256', Buffer.from('x'), privateKey);

    expect(() =>
      derToJoseSignature(Buffer.concat([der, Buffer.from([0])])),
    ).toThrow(SignerError);
  });
});
