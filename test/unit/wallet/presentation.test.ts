import { createHash, type JsonWebKey } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type PresentationFailure,
  verifyPresentation,
} from '../../../functions/wallet/presentation.js';
import { issueEducationRecord } from '../../../functions/wallet/sd-jwt.js';
import {
  createLocalSigner,
  type Signer,
} from '../../../functions/wallet/signer.js';
import { STATUS_LIST_SIZE } from '../../../functions/wallet/status-list.js';

const issuer = 'https://records.test.example.org';
const now = new Date('2026-03-10T09:00:00.000Z');

async function p256() {
  const pair = await generateKeyPair('ES256', { extractable: true });
  return {
    privateJwk: (await exportJWK(pair.privateKey)) as JsonWebKey,
    jwk: (await exportJWK(pair.publicKey)) as JsonWebKey,
  };
}

let region: Signer;
let otherRegion: Signer;
let holder: Awaited<ReturnType<typeof p256>>;
let stranger: Awaited<ReturnType<typeof p256>>;
let credential: string;

beforeAll(async () => {
  region = createLocalSigner((await p256()).privateJwk);
  otherRegion = createLocalSigner((await p256()).privateJwk);
  holder = await p256();
  stranger = await p256();
  credential = await issued(region);
});

function issued(signer: Signer) {
  return issueEducationRecord({
    signer,
    issuer,
    holderJwk: holder.jwk,
    record: {
      givenName: 'Ada',
      familyName: 'Lovelace',
      birthdate: '2010-12-10',
      centre: { urn: '141234', name: 'Oakfield Academy' },
      qualifications: [
        {
          title: 'GCSE (9-1) in Mathematics',
          qan: '601/8411/9',
          awardingBody: 'AQA',
          subject: 'Mathematics',
          level: '2',
          grade: '7',
          awardDate: '2026-08-20',
        },
      ],
    },
    issuedAt: now,
    status: { idx: 70, uri: `${issuer}/status-lists/2` },
  });
}

/** A key binding over `sdJwt` (which ends in `~`), changed as asked. */
async function bound(
  sdJwt: string,
  changes: {
    key?: JsonWebKey;
    aud?: string;
    nonce?: string | null;
    iat?: number;
    sdHash?: string;
    typ?: string;
  } = {},
) {
  const sdHash =
    changes.sdHash ?? createHash('sha256').update(sdJwt).digest('base64url');
  const claims: Record<string, unknown> = {
    aud: changes.aud ?? issuer,
    iat: changes.iat ?? Math.floor(now.getTime() / 1000),
    sd_hash: sdHash,
  };
  if (changes.nonce !== null) claims.nonce = changes.nonce ?? 'nonce-1';
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: changes.typ ?? 'kb+jwt' })
    .sign(
      await importJWK((changes.key ?? holder.privateJwk) as never, 'ES256'),
    );
  return `${sdJwt}${jwt}`;
}

const verify = async (presentation: string) =>
  verifyPresentation(presentation, {
    issuerJwk: await region.publicJwk(),
    issuer,
    now,
  });

async function refusal(presentation: string): Promise<PresentationFailure> {
  try {
    await verify(presentation);
  } catch (error) {
    return (error as { reason: PresentationFailure }).reason;
  }
  throw new Error('the presentation was accepted');
}

describe('verifyPresentation', () => {
  it('accepts the record with a key binding by its holder', async () => {
    const verified = await verify(await bound(credential));

    expect(verified).toMatchObject({
      nonce: 'nonce-1',
      statusIndex: 2 * STATUS_LIST_SIZE + 70,
    });
    expect(verified.holderJkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('accepts a presentation that discloses nothing', async () => {
    const jwtOnly = `${credential.split('~')[0]}~`;

    await expect(verify(await bound(jwtOnly))).resolves.toBeDefined();
  });

  it('refuses a record signed by another key', async () => {
    expect(await refusal(await bound(await issued(otherRegion)))).toBe(
      'issuer-signature',
    );
  });

  it('refuses a record without key binding', async () => {
    expect(await refusal(credential)).toBe('no-key-binding');
  });

  it('refuses a key binding that is not a kb+jwt', async () => {
    expect(await refusal(await bound(credential, { typ: 'JWT' }))).toBe(
      'no-key-binding',
    );
  });

  it('refuses a key binding signed by another key', async () => {
    expect(
      await refusal(await bound(credential, { key: stranger.privateJwk })),
    ).toBe('key-binding-signature');
  });

  it('refuses a key binding for another audience', async () => {
    expect(
      await refusal(
        await bound(credential, { aud: 'https://elsewhere.example.org' }),
      ),
    ).toBe('audience');
  });

  it('refuses a key binding without a nonce', async () => {
    expect(await refusal(await bound(credential, { nonce: null }))).toBe(
      'nonce',
    );
  });

  it('refuses a key binding made long ago', async () => {
    const iat = Math.floor(now.getTime() / 1000) - 3600;

    expect(await refusal(await bound(credential, { iat }))).toBe('stale');
  });

  it('refuses a key binding over other disclosures', async () => {
    const presentation = await bound(credential, { sdHash: 'not-the-hash' });

    expect(await refusal(presentation)).toBe('sd-hash');
  });

  it('refuses a disclosure added after the key binding', async () => {
    const [jwt = '', first = ''] = credential.split('~');
    const kb = (await bound(`${jwt}~`)).split('~').at(-1);

    expect(await refusal(`${jwt}~${first}~${kb}`)).toBe('sd-hash');
  });

  it('accepts a qualification disclosed inside the disclosed list', async () => {
    const disclosures = credential.split('~').slice(1, -1);

    expect(disclosures.length).toBeGreaterThan(4);
    await expect(verify(await bound(credential))).resolves.toBeDefined();
  });

  it('refuses a disclosure the issuer never signed for', async () => {
    const forged = Buffer.from(
      JSON.stringify(['salt-of-mine', 'given_name', 'Mallory']),
    ).toString('base64url');

    expect(await refusal(await bound(`${credential}${forged}~`))).toBe(
      'stray-disclosure',
    );
  });

  it('refuses a disclosure presented twice', async () => {
    const first = credential.split('~')[1] ?? '';

    expect(await refusal(await bound(`${credential}${first}~`))).toBe(
      'stray-disclosure',
    );
  });

  it('refuses text that is not an SD-JWT', async () => {
    expect(await refusal('not a presentation')).toBe('malformed');
    expect(await refusal('a.b.c~d.e.f')).toBe('malformed');
  });
});
