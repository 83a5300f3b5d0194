import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { preAuthorizedCode } from '../../../functions/domain/offer-secrets.js';
import { answerTokenRequest } from '../../../functions/domain/token-requests.js';
import { preAuthorizedGrant } from '../../../functions/domain/tokens.js';
import { epochSeconds } from '../../../functions/lib/clock.js';
import { newId, newSecret } from '../../../functions/lib/ids.js';
import { testDeps } from '../../support/builders.js';
import { dpopProof } from '../../support/wallet-client.js';
import { cancelled, documentClient, rejectionOf } from '../faults/faults.js';

const db = documentClient();
const ddb = mockClient(db);
const deps = testDeps({ db });

afterEach(() => {
  ddb.reset();
});

const { privateKey, publicKey } = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
});
const key = {
  privateJwk: privateKey.export({ format: 'jwk' }) as JsonWebKey,
  jwk: publicKey.export({ format: 'jwk' }) as JsonWebKey,
};

async function exchange(address: string) {
  const code = preAuthorizedCode(newId(), newSecret(16), {
    urn: '141234',
    studentId: newId(),
  });
  return answerTokenRequest(
    deps,
    new URLSearchParams({
      grant_type: preAuthorizedGrant,
      'pre-authorized_code': code,
      tx_code: '123456',
    }),
    await dpopProof({
      ...key,
      method: 'POST',
      url: `${deps.config.ISSUER_URL}/token`,
      iat: epochSeconds(deps.clock.now()),
    }),
    address,
  );
}

/** The counters a request wrote to: updates of `RATE#` keys. */
const counterWrites = () =>
  ddb
    .commandCalls(UpdateCommand)
    .map((call) => String(call.args[0].input.Key?.PK))
    .filter((pk) => pk.startsWith('RATE#'));

describe('answerTokenRequest', () => {
  it('counts nothing for an exchange that succeeds', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});

    const grant = await exchange('192.0.2.10');

    expect(grant.accessToken).toBeTruthy();
    expect(counterWrites()).toEqual([]);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('counts a refused exchange under a hash of its address, not the address', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed'));

    await rejectionOf(exchange('192.0.2.11'));

    const [counter] = counterWrites();
    expect(counter).toMatch(/^RATE#exchange-failures#[A-Za-z0-9_-]{43}$/);
    expect(
      JSON.stringify(ddb.calls().map((c) => c.args[0].input)),
    ).not.toContain('192.0.2.11');
  });
});
