import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { newChainId, tokenFor } from '../../functions/domain/chains.js';
import { takeReportAllowance } from '../../functions/domain/reports.js';
import { answerTokenRequest } from '../../functions/domain/token-requests.js';
import { preAuthorizedGrant } from '../../functions/domain/tokens.js';
import { createVouch } from '../../functions/domain/vouches.js';
import { epochSeconds, fixedClock } from '../../functions/lib/clock.js';
import { errorResponse } from '../../functions/lib/http.js';
import { newId, newSecret } from '../../functions/lib/ids.js';
import { keys } from '../../functions/lib/keys.js';
import { metrics } from '../../functions/lib/metrics.js';
import { batchWrite, queryAll } from '../../functions/lib/table.js';
import { aCentre, aStaff, aStudent } from '../support/builders.js';
import { useLocalStack } from '../support/local-stack.js';
import { tableDeps } from '../support/table-deps.js';
import { dpopProof } from '../support/wallet-client.js';

const stack = useLocalStack();

/**
 * The defaults of the application's limits, proved here in the test
 * process with the settings' defaults against the stack's DynamoDB: the
 * stack's own handlers run with raised limits, so that the burst and race
 * tests never meet them.
 */

/** The start of a window, far from any other test's counters. */
const windowStart = () =>
  new Date(Date.UTC(2031, 0, 1, 0, Math.floor(Math.random() * 50_000)));

/** A TEST-NET address no other test uses. */
const anAddress = () =>
  `198.51.100.${Math.floor(Math.random() * 250)}-${newId()}`;

/** What the wallet would see of a token request. */
async function answer(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const out = errorResponse(error, 'wallet');
    return {
      status: out.statusCode,
      retryAfter: out.headers?.['Retry-After'],
      body: JSON.parse(out.body),
    };
  }
  throw new Error('expected the token request to be refused');
}

const p256 = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
  });
  return {
    privateJwk: privateKey.export({ format: 'jwk' }) as JsonWebKey,
    jwk: publicKey.export({ format: 'jwk' }) as JsonWebKey,
  };
};

describe('the failed-exchange limit by default', () => {
  const clock = fixedClock(windowStart());
  const deps = tableDeps(stack, { clock });
  const badExchange = (address: string) =>
    answer(
      answerTokenRequest(
        deps,
        new URLSearchParams({
          grant_type: preAuthorizedGrant,
          'pre-authorized_code': 'not-a-code',
          tx_code: '123456',
        }),
        undefined,
        address,
      ),
    );

  it('answers the 21st failure of an address in 10 s 429, another address as before', async () => {
    const address = anAddress();
    const first20 = [];
    for (let i = 0; i < 20; i++) first20.push(await badExchange(address));

    const twentyFirst = await badExchange(address);
    const twentySecond = await badExchange(address);
    const elsewhere = await badExchange(anAddress());

    expect(new Set(first20.map((a) => a.status))).toEqual(new Set([400]));
    expect(twentyFirst).toEqual({
      status: 429,
      retryAfter: '10',
      body: {
        error: 'rate_limited',
        error_description: 'Too many requests; try again later.',
      },
    });
    expect(twentySecond.status).toBe(429);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).not.toBe('rate_limited');
  });

  it('forgets the failures when the next window starts', async () => {
    const address = anAddress();
    for (let i = 0; i < 21; i++) await badExchange(address);

    clock.set(new Date(clock.now().getTime() + 10_000));
    const next = await badExchange(address);

    expect(next.status).toBe(400);
  });
});

describe('the refresh limit by default', () => {
  const clock = fixedClock(windowStart());
  const deps = tableDeps(stack, { clock });
  const key = p256();

  /** A refresh with a well-formed token of a chain no one holds. */
  const refresh = async (chainId: string) =>
    answer(
      answerTokenRequest(
        deps,
        new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokenFor(chainId, newSecret(32)),
        }),
        await dpopProof({
          ...key,
          method: 'POST',
          url: `${deps.config.ISSUER_URL}/token`,
          iat: epochSeconds(clock.now()),
        }),
        anAddress(),
      ),
    );

  it('answers the 11th refresh of a chain in a minute 429, another chain as before', async () => {
    const chainId = newChainId('141234', newId());
    const first10 = [];
    for (let i = 0; i < 10; i++) first10.push(await refresh(chainId));

    const eleventh = await refresh(chainId);
    const otherChain = await refresh(newChainId('141234', newId()));

    expect(first10.map((a) => a.body.error)).toEqual(
      Array(10).fill('invalid_grant'),
    );
    expect(eleventh).toEqual({
      status: 429,
      retryAfter: '60',
      body: {
        error: 'rate_limited',
        error_description: 'Too many requests; try again later.',
      },
    });
    expect(otherChain.body.error).toBe('invalid_grant');
  });
});

describe('vouching velocity by default', () => {
  const clock = fixedClock(windowStart());
  const deps = tableDeps(stack, { clock });
  const urn = String(600_000 + Math.floor(Math.random() * 399_999));
  const staff = aStaff({ urn, staffId: newId(), groupIds: ['group-fast'] });
  const students = Array.from({ length: 32 }, () =>
    aStudent({ urn, studentId: newId(), groupIds: ['group-fast'] }),
  );
  const caller = { sub: staff.staffId, username: 'fast', groups: [] };

  beforeAll(async () => {
    await batchWrite(
      deps.db,
      deps.config.TABLE_NAME,
      [
        { ...keys.centre(urn), type: 'centre', ...aCentre({ urn }) },
        { ...keys.staff(urn, staff.staffId), type: 'staff', ...staff },
        ...students.map((s) => ({
          ...keys.student(urn, s.studentId),
          type: 'student',
          ...s,
        })),
      ].map((Item) => ({ PutRequest: { Item } })),
    );
  });

  it('lets the 31st vouch in 10 minutes through and flags it once', async () => {
    const flagged = vi.spyOn(metrics, 'addMetric');
    const made = [];
    for (const student of students) {
      made.push(
        await createVouch(deps, caller, urn, student.studentId, {
          method: 'in-person',
          dateOfBirth: student.dateOfBirth,
          lookAlikeAcknowledged: false,
        }),
      );
    }
    const audit = await queryAll(deps.db, {
      TableName: deps.config.TABLE_NAME,
      KeyConditionExpression: 'PK = :day',
      FilterExpression: '#action = :action AND subject.staffId = :staff',
      ExpressionAttributeNames: { '#action': 'action' },
      ExpressionAttributeValues: {
        ':day': keys.auditDayPartition(clock.now().toISOString().slice(0, 10)),
        ':action': 'vouching-velocity-flagged',
        ':staff': staff.staffId,
      },
    });

    expect(made.map((v) => v.studentId)).toEqual(
      students.map((s) => s.studentId),
    );
    expect(
      flagged.mock.calls.filter(([name]) => name === 'VouchingVelocityFlagged'),
    ).toHaveLength(1);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: staff.staffId,
      subject: { urn, staffId: staff.staffId },
      detail: { students: 31, limit: 30, windowMinutes: 10 },
    });
    flagged.mockRestore();
  });
});

describe('the report limit by default', () => {
  // The start of a day: the refusal's Retry-After is then the whole day.
  const clock = fixedClock(
    new Date(Date.UTC(2031, 0, 1 + Math.floor(Math.random() * 3000))),
  );
  const deps = tableDeps(stack, { clock });
  const take = async (chainId: string) => {
    try {
      await takeReportAllowance(deps, chainId);
      return { status: 202 };
    } catch (error) {
      const out = errorResponse(error, 'reports');
      return {
        status: out.statusCode,
        retryAfter: out.headers?.['Retry-After'],
        code: JSON.parse(out.body).error.code,
      };
    }
  };

  it("refuses one app's 11th new report in a day with 429, another app's first as before", async () => {
    const chainId = newId();
    const first10 = [];
    for (let i = 0; i < 10; i++) first10.push(await take(chainId));
    const eleventh = await take(chainId);
    const otherApp = await take(newId());

    expect(first10.every((a) => a.status === 202)).toBe(true);
    expect(eleventh).toEqual({
      status: 429,
      retryAfter: String(86_400),
      code: 'TOO_MANY_REPORTS',
    });
    expect(otherApp.status).toBe(202);
  });
});

describe('the date-of-birth mismatch limit by default', () => {
  const clock = fixedClock(windowStart());
  const deps = tableDeps(stack, { clock });
  const urn = String(600_000 + Math.floor(Math.random() * 399_999));
  const staff = aStaff({ urn, staffId: newId(), groupIds: ['group-dob'] });
  const student = aStudent({
    urn,
    studentId: newId(),
    groupIds: ['group-dob'],
    dateOfBirth: '2010-03-14',
  });
  const caller = { sub: staff.staffId, username: 'guess', groups: [] };
  const vouch = async (
    dateOfBirth: string,
  ): Promise<{ status: number; code?: string; retryAfter?: string }> => {
    try {
      await createVouch(deps, caller, urn, student.studentId, {
        method: 'in-person',
        dateOfBirth,
        lookAlikeAcknowledged: false,
      });
      return { status: 201 };
    } catch (error) {
      const out = errorResponse(error, 'issuance');
      return {
        status: out.statusCode,
        code: JSON.parse(out.body).error.code,
        ...(out.headers?.['Retry-After']
          ? { retryAfter: String(out.headers['Retry-After']) }
          : {}),
      };
    }
  };

  beforeAll(async () => {
    await batchWrite(
      deps.db,
      deps.config.TABLE_NAME,
      [
        { ...keys.centre(urn), type: 'centre', ...aCentre({ urn }) },
        { ...keys.staff(urn, staff.staffId), type: 'staff', ...staff },
        {
          ...keys.student(urn, student.studentId),
          type: 'student',
          ...student,
        },
      ].map((Item) => ({ PutRequest: { Item } })),
    );
  });

  it('pauses vouching for a student after five wrong dates in an hour, the right one too, and tells the helpdesk once', async () => {
    // The audit entry is listed by the day it was written, before the hour
    // moves on (which may cross midnight).
    const day = clock.now().toISOString().slice(0, 10);
    const wrong = [];
    for (let day = 1; day <= 5; day++) {
      wrong.push(await vouch(`2010-01-0${day}`));
    }
    const right = await vouch(student.dateOfBirth);
    const sixthWrong = await vouch('2010-01-06');
    clock.set(new Date(clock.now().getTime() + 3_600_000));
    const nextHour = await vouch(student.dateOfBirth);
    const audit = await queryAll(deps.db, {
      TableName: deps.config.TABLE_NAME,
      KeyConditionExpression: 'PK = :day',
      FilterExpression: '#action = :action AND subject.studentId = :student',
      ExpressionAttributeNames: { '#action': 'action' },
      ExpressionAttributeValues: {
        ':day': keys.auditDayPartition(day),
        ':action': 'date-of-birth-mismatches',
        ':student': student.studentId,
      },
    });

    expect(wrong).toEqual(
      Array(5).fill({ status: 422, code: 'DATE_OF_BIRTH_MISMATCH' }),
    );
    expect(right).toMatchObject({
      status: 429,
      code: 'TOO_MANY_DATE_MISMATCHES',
    });
    expect(Number(right.retryAfter)).toBeGreaterThan(0);
    expect(sixthWrong.code).toBe('TOO_MANY_DATE_MISMATCHES');
    expect(nextHour).toEqual({ status: 201 });
    expect(audit).toHaveLength(1);
  });
});
