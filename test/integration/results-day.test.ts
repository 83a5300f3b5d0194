import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { importJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCredential } from '../../functions/domain/credentials.js';
import { createNonce } from '../../functions/domain/redemption.js';
import {
  exchangeCode,
  preAuthorizedGrant,
  refreshTokens,
} from '../../functions/domain/tokens.js';
import { fixedClock } from '../../functions/lib/clock.js';
import type { Deps } from '../../functions/lib/deps.js';
import { OAuthError } from '../../functions/lib/errors.js';
import { createLocalSigner } from '../../functions/wallet/signer.js';
import { decodeStatusList } from '../../functions/wallet/status-list.js';
import { localDynamoDbClient } from '../../scripts/local-stack/dynamodb.js';
import { apiClient } from '../support/api.js';
import { testConfig, testDeps } from '../support/builders.js';
import {
  type Cohort,
  englishLanguage,
  importSeriesResults,
  newCohort,
  newSeries,
  resultsCsv,
} from '../support/cohort.js';
import { disclosedClaims } from '../support/http-wallet.js';
import {
  preAuthorizedCodeOf,
  vouchAndOffer,
  type WalletKey,
  walletKey,
} from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { dpopProof } from '../support/wallet-client.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

/**
 * These scenarios drive the token and credential functions directly, on the
 * local stack's own table and signing key, with a clock the test moves:
 * the embargo is proved to the second without sleeping.
 */
const clock = fixedClock(new Date());
const signer = createLocalSigner(
  JSON.parse(
    readFileSync(`${dirname(dirname(stack.logFile))}/signing-key.json`, 'utf8'),
  ),
);
const deps: Deps = testDeps({
  config: testConfig({
    TABLE_NAME: stack.tableName,
    ISSUER_URL: stack.apiUrl,
    DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
  }),
  db: DynamoDBDocumentClient.from(localDynamoDbClient(stack.dynamodbEndpoint), {
    marshallOptions: { removeUndefinedValues: true },
  }),
  clock,
});

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

interface Wallet {
  key: WalletKey;
  accessToken: string;
  refreshToken: string;
}

/** The wallet scans the code and exchanges it, at the clock's time. */
async function link(cohort: Cohort, studentId: string): Promise<Wallet> {
  const offer = await vouchAndOffer(
    stack,
    cohort.urn,
    cohort.issuer.token,
    studentId,
  );
  const code = await preAuthorizedCodeOf(offer.credentialOffer);
  const key = await walletKey();
  const { calculateJwkThumbprint } = await import('jose');
  const grant = await exchangeCode(
    deps,
    new URLSearchParams({
      grant_type: preAuthorizedGrant,
      'pre-authorized_code': code,
      tx_code: offer.txCode,
    }),
    await calculateJwkThumbprint(key.jwk as never),
  );
  return { key, ...grant };
}

async function jkt(key: WalletKey) {
  const { calculateJwkThumbprint } = await import('jose');
  return calculateJwkThumbprint(key.jwk as never);
}

/** Nonce, proof and credential request, at the clock's time. */
async function credential(
  wallet: Wallet,
  dpop: Partial<{ key: WalletKey; url: string; iat: number }> = {},
): Promise<string> {
  const nonce = await createNonce(deps);
  const now = clock.now();
  const proof = await new SignJWT({ nonce, aud: stack.apiUrl })
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'openid4vci-proof+jwt',
      jwk: wallet.key.jwk as never,
    })
    .setIssuedAt(seconds(now))
    .sign(await importJWK(wallet.key.privateJwk as never, 'ES256'));
  const dpopKey = dpop.key ?? wallet.key;
  return issueCredential(
    deps,
    signer,
    {
      authorization: `DPoP ${wallet.accessToken}`,
      dpop: await dpopProof({
        privateJwk: dpopKey.privateJwk,
        jwk: dpopKey.jwk,
        method: 'POST',
        url: dpop.url ?? `${stack.apiUrl}/credential`,
        accessToken: wallet.accessToken,
        iat: dpop.iat ?? seconds(now),
      }),
    },
    {
      credential_configuration_id: 'EducationRecord',
      proofs: { jwt: [proof] },
    },
  );
}

async function refresh(wallet: Wallet, key = wallet.key): Promise<Wallet> {
  const grant = await refreshTokens(
    deps,
    new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: wallet.refreshToken,
    }),
    await jkt(key),
  );
  return { key: wallet.key, ...grant };
}

/**
 * Every claim of a record, disclosed. Signature and times are checked by the
 * redemption tests; here the clock runs days ahead, where a verifier would
 * rightly refuse an `iat` in its future.
 */
const claims = disclosedClaims;

async function refused(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof OAuthError) return error.error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('results day', () => {
  let cohort: Cohort;

  beforeAll(async () => {
    cohort = await newCohort(stack, 8);
  });

  it('gives a wallet linked in March its results at the release second, not before', async () => {
    clock.set(new Date());
    const release = new Date(Date.now() + 3 * 86_400_000);
    release.setUTCMilliseconds(0);
    const series = await newSeries(stack, release);
    const pupil = cohort.pupils[0];
    await importSeriesResults(
      stack,
      series.seriesId,
      resultsCsv(cohort, series.name, (p) =>
        p === pupil ? [englishLanguage('8')] : [],
      ),
    );

    let wallet = await link(cohort, pupil?.studentId ?? '');
    const linked = claims(await credential(wallet));
    clock.set(new Date(release.getTime() - 1));
    wallet = await refresh(wallet);
    const early = claims(await credential(wallet));
    clock.set(release);
    wallet = await refresh(wallet);
    const onTime = claims(await credential(wallet));

    expect(linked.given_name).toBe(pupil?.forename);
    expect(linked.qualifications).toEqual([]);
    expect(linked.pendingSeries).toEqual([
      expect.objectContaining({
        seriesId: series.seriesId,
        releaseAt: series.releaseAt,
      }),
    ]);
    expect(early.qualifications).toEqual([]);
    expect(onTime.qualifications).toEqual([
      expect.objectContaining({ qan: '601/4292/3', grade: '8' }),
    ]);
    expect(onTime.pendingSeries ?? []).toEqual([]);
  });

  it('answers a retried refresh within the grace with the same tokens', async () => {
    clock.set(new Date());
    const wallet = await link(cohort, cohort.pupils[1]?.studentId ?? '');
    await credential(wallet);

    const first = await refresh(wallet);
    clock.set(new Date(clock.now().getTime() + 30_000));
    const retry = await refresh(wallet);
    const record = await credential(retry);

    expect(retry.accessToken).toBe(first.accessToken);
    expect(retry.refreshToken).toBe(first.refreshToken);
    expect(claims(record).given_name).toBe(cohort.pupils[1]?.forename);
  });

  it('revokes the chain when a replaced refresh token comes back after the grace', async () => {
    clock.set(new Date());
    const wallet = await link(cohort, cohort.pupils[2]?.studentId ?? '');
    await credential(wallet);
    const next = await refresh(wallet);

    clock.set(new Date(clock.now().getTime() + 61_000));
    const replay = await refused(refresh(wallet));
    const afterwards = await refused(refresh(next));

    expect(replay).toBe('invalid_grant');
    expect(afterwards).toBe('invalid_grant');
  });

  it('revokes the chain when a replaced token returns in the grace with another key', async () => {
    clock.set(new Date());
    const wallet = await link(cohort, cohort.pupils[0]?.studentId ?? '');
    await credential(wallet);
    const next = await refresh(wallet);
    const thief = await walletKey();

    const stolen = await refused(refresh(wallet, thief));
    const owner = await refused(refresh(next));

    expect(stolen).toBe('invalid_grant');
    expect(owner).toBe('invalid_grant');
  });

  it('stops a linked wallet when the roster gives its student another date of birth', async () => {
    clock.set(new Date());
    const pupil = cohort.pupils[2];
    const wallet = await link(cohort, pupil?.studentId ?? '');
    await credential(wallet);
    const roster = [
      'UPN,ULN,Legal Surname,Legal Forename,DOB,Year,Reg',
      ...cohort.pupils.map(
        (r) =>
          `${r.upn},${r.uln},${r.surname},${r.forename},` +
          `${r === pupil ? '2008-02-02' : r.dateOfBirth},11,R1`,
      ),
    ].join('\n');
    const update = await call(
      'POST',
      `/centres/${cohort.urn}/students/import`,
      { token: cohort.admin.token, csv: roster },
    );
    if (pupil) pupil.dateOfBirth = '2008-02-02';

    const refreshed = await refused(refresh(wallet));

    expect(update.body.updated).toBe(1);
    expect(refreshed).toBe('invalid_grant');
  });

  it('gives a linked wallet a legal name change from the MIS at its next refresh', async () => {
    clock.set(new Date());
    const pupil = cohort.pupils[1];
    let wallet = await link(cohort, pupil?.studentId ?? '');
    const before = claims(await credential(wallet));
    const roster = [
      'UPN,ULN,Legal Surname,Legal Forename,DOB,Year,Reg',
      ...cohort.pupils.map(
        (r) =>
          `${r.upn},${r.uln},${r === pupil ? 'Newname' : r.surname},` +
          `${r.forename},${r.dateOfBirth},11,R1`,
      ),
    ].join('\n');
    const update = await call(
      'POST',
      `/centres/${cohort.urn}/students/import`,
      { token: cohort.admin.token, csv: roster },
    );

    wallet = await refresh(wallet);
    const after = claims(await credential(wallet));

    expect(update.body.updated).toBe(1);
    expect(before.family_name).toBe(pupil?.surname);
    expect(after.family_name).toBe('Newname');
  });

  it('revokes the chain when its refresh token comes with another DPoP key', async () => {
    clock.set(new Date());
    const wallet = await link(cohort, cohort.pupils[3]?.studentId ?? '');
    const thief = await walletKey();

    const stolen = await refused(refresh(wallet, thief));
    const owner = await refused(refresh(wallet));

    expect(stolen).toBe('invalid_grant');
    expect(owner).toBe('invalid_grant');
  });

  it('refuses a DPoP proof for another key, another URL or with an old iat', async () => {
    clock.set(new Date());
    const wallet = await link(cohort, cohort.pupils[4]?.studentId ?? '');
    const other = await walletKey();

    const byOtherKey = await refused(credential(wallet, { key: other }));
    const forOtherUrl = await refused(
      credential(wallet, { url: `${stack.apiUrl}/token` }),
    );
    const old = await refused(
      credential(wallet, { iat: seconds(clock.now()) - 600 }),
    );
    const good = await credential(wallet);

    expect(byOtherKey).toBe('invalid_dpop_proof');
    expect(forOtherUrl).toBe('invalid_dpop_proof');
    expect(old).toBe('invalid_dpop_proof');
    expect(good).toMatch(/~$/);
  });

  it('marks the credential a refresh replaces as superseded in the status list', async () => {
    clock.set(new Date());
    let wallet = await link(cohort, cohort.pupils[5]?.studentId ?? '');
    const first = claims(await credential(wallet));
    wallet = await refresh(wallet);
    const second = claims(await credential(wallet));

    const list = await fetch(first.status.status_list.uri);
    const token = await list.text();
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    );
    const statusOf = decodeStatusList(
      payload.status_list.lst,
      payload.status_list.bits,
    );

    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toMatch(/statuslist\+jwt/);
    expect(statusOf(first.status.status_list.idx)).toBe(3);
    expect(statusOf(second.status.status_list.idx)).toBe(0);
  });

  it('withholds again a result imported without its series once an import names it', async () => {
    clock.set(new Date());
    const tag = Date.now().toString(36);
    const name = `Forgotten ${tag}`;
    const pupil = cohort.pupils[3];
    const csv = resultsCsv(cohort, name, (p) =>
      p === pupil ? [englishLanguage('5')] : [],
    );
    const { operatorToken } = await import('../support/scenario.js');
    const operator = await operatorToken(stack);
    // The file goes in before anyone has set its series up.
    const plain = await call('POST', '/results/import', {
      token: operator,
      csv,
    });
    let wallet = await link(cohort, pupil?.studentId ?? '');
    const early = claims(await credential(wallet));
    const series = { seriesId: `forgotten-${tag}` };
    await call('PUT', `/series/${series.seriesId}`, {
      token: operator,
      json: {
        name,
        releaseAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });

    const named = await importSeriesResults(stack, series.seriesId, csv);
    wallet = await refresh(wallet);
    const after = claims(await credential(wallet));

    expect(plain.status).toBe(200);
    expect(named.corrected).toHaveLength(1);
    expect(early.qualifications).toEqual([
      expect.objectContaining({ grade: '5' }),
    ]);
    expect(after.qualifications).toEqual([]);
  });

  it('shows results imported after their release at once', async () => {
    clock.set(new Date());
    const series = await newSeries(stack, new Date(Date.now() - 60_000));
    const pupil = cohort.pupils[6];
    await importSeriesResults(
      stack,
      series.seriesId,
      resultsCsv(cohort, series.name, (p) =>
        p === pupil ? [englishLanguage('6')] : [],
      ),
    );

    const wallet = await link(cohort, pupil?.studentId ?? '');
    const record = claims(await credential(wallet));

    expect(record.qualifications).toEqual([
      expect.objectContaining({ grade: '6' }),
    ]);
  });

  it('still gives a student who left before release the results they sat', async () => {
    clock.set(new Date());
    const release = new Date(Date.now() + 86_400_000);
    const series = await newSeries(stack, release);
    const pupil = cohort.pupils[7];
    await importSeriesResults(
      stack,
      series.seriesId,
      resultsCsv(cohort, series.name, (p) =>
        p === pupil ? [englishLanguage('9')] : [],
      ),
    );
    let wallet = await link(cohort, pupil?.studentId ?? '');
    await credential(wallet);
    const remaining = cohort.pupils.filter((p) => p !== pupil);
    const roster = [
      'UPN,ULN,Legal Surname,Legal Forename,DOB,Year,Reg',
      ...remaining.map(
        (r) =>
          `${r.upn},${r.uln},${r.surname},${r.forename},${r.dateOfBirth},11,R1`,
      ),
    ].join('\n');
    const left = await call(
      'POST',
      `/centres/${cohort.urn}/students/import?roll=full`,
      { token: cohort.admin.token, csv: roster },
    );

    clock.set(release);
    wallet = await refresh(wallet);
    const record = claims(await credential(wallet));

    expect(left.body.left).toEqual([pupil?.studentId]);
    expect(record.qualifications).toEqual([
      expect.objectContaining({ grade: '9' }),
    ]);
  });
});
