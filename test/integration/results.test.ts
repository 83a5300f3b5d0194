import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PreparedRecord,
  recordKey,
  releasedRecord,
} from '../../functions/domain/records.js';
import { getEntity } from '../../functions/lib/table.js';
import { localDynamoDbClient } from '../../scripts/local-stack/dynamodb.js';
import { apiClient, sampleFile } from '../support/api.js';
import {
  type IssuingCentre,
  issuingCentre,
  vouchAndOffer,
} from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { operatorToken } from '../support/scenario.js';
import {
  redeemOffer,
  verifyEducationRecord,
} from '../support/wallet-client.js';

const resultsHeader =
  'ULN,UCI,Candidate Surname,Candidate Forenames,DOB,Centre Number,' +
  'Awarding Organisation,QAN,Qualification Title,Subject,Level,Grade,' +
  'Award Date,Series';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

/**
 * The only test file whose centre has the sample's own centre number
 * (47113): the results file names it, and the rows that match must find it.
 */
describe('results import', () => {
  let centre: IssuingCentre;
  let operator: string;
  let first: { status: number; body: Record<string, unknown> };
  let importMs: number;
  const db = DynamoDBDocumentClient.from(
    localDynamoDbClient(stack.dynamodbEndpoint, { retries: true }),
  );

  beforeAll(async () => {
    centre = await issuingCentre(stack, {
      centreNumber: '47113',
      lifetimeMinutes: 30,
    });
    operator = await operatorToken(stack);
    const started = performance.now();
    first = await call('POST', '/results/import', {
      token: operator,
      csv: sampleFile('oakfield', 'results.csv'),
    });
    importMs = performance.now() - started;
  });

  afterAll(() => db.destroy());

  it('matches 1,469 rows and reports the unmatched row and the conflict', () => {
    expect(first.status).toBe(200);
    expect(first.body.matched).toBe(1469);
    expect(first.body.rejected).toEqual([]);
    expect(first.body.unmatched).toHaveLength(1);
    expect(first.body.conflicts).toHaveLength(1);
    const [conflict] = first.body.conflicts as {
      line: number;
      reason: string;
    }[];
    expect(conflict?.reason).toMatch(/date of birth/);
  });

  it('changes nothing when the same file is imported again', async () => {
    const again = await call('POST', '/results/import', {
      token: operator,
      csv: sampleFile('oakfield', 'results.csv'),
    });

    expect(again.body).toMatchObject({
      matched: 1469,
      stored: 0,
      corrected: [],
    });
  });

  it("prepares each matched student's record at import, released at once", async () => {
    const records = await Promise.all(
      centre.form11a.map((s) =>
        getEntity<PreparedRecord>(db, stack.tableName, recordKey(s.studentId)),
      ),
    );

    expect(importMs).toBeLessThan(10_000);
    for (const record of records) {
      const quals = record?.qualifications ?? [];
      expect(quals.length).toBeGreaterThan(3);
      expect(quals.every((q) => q.seriesId === undefined)).toBe(true);
      const order = quals.map((q) => `${q.awardDate} ${q.title}`);
      expect(order).toEqual([...order].sort());
      const now = releasedRecord(record, undefined, new Date());
      expect(now.qualifications).toHaveLength(quals.length);
    }
  });

  it("puts the student's results into the record their wallet receives", async () => {
    const who = centre.form11a[0];
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      who?.studentId ?? '',
    );

    const wallet = await redeemOffer({
      credentialOfferUri: offer.credentialOffer,
      txCode: offer.txCode,
    });
    const { claims } = await verifyEducationRecord(wallet.credential, {
      issuer: stack.apiUrl,
    });

    const quals = claims.qualifications as {
      qan: string;
      grade: string;
      awardingBody: string;
    }[];
    expect(quals.length).toBeGreaterThan(3);
    for (const q of quals) {
      expect(q.qan).toMatch(/^\d{3}\/\d{4}\/[\dX]$/);
      expect(q.grade).toBeTruthy();
    }
  });

  it('refuses a results file from anyone but the operator', async () => {
    const out = await call('POST', '/results/import', {
      token: centre.admin.token,
      csv: sampleFile('oakfield', 'results.csv'),
    });

    expect(out.status).toBe(403);
  });

  it('refuses a request over 5 MB with 413', async () => {
    const big = `${resultsHeader}\n${'x'.repeat(5 * 1024 * 1024 + 1)}`;

    const out = await call('POST', '/results/import', {
      token: operator,
      csv: big,
    });

    expect(out.status).toBe(413);
    expect(out.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects a ULN with a wrong check digit, and takes 9999999999 as no ULN', async () => {
    const award =
      'Müller,Kwame,2009-10-30,47113,AQA,601/4292/3,' +
      'GCSE (9-1) in English Language,English Language,2,9,2026-08-20,' +
      'June 2026';
    const csv = [
      resultsHeader,
      `6013519242,,${award}`,
      `9999999999,471130220001D,${award}`,
    ].join('\n');

    const out = await call('POST', '/results/import', { token: operator, csv });

    expect(out.status).toBe(200);
    expect(out.body.rejected).toEqual([
      expect.objectContaining({ line: 2, field: 'uln', code: 'INVALID_ULN' }),
    ]);
    expect(out.body.unmatched.length + out.body.matched).toBe(1);
  });
});
