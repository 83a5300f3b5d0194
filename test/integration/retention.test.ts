import { describe, expect, it } from 'vitest';
import { importRoster } from '../../functions/domain/roster-import.js';
import {
  type Item,
  retentionEnd,
  studentItems,
} from '../../functions/domain/student-data.js';
import type { Student } from '../../functions/domain/types.js';
import { recordAudit } from '../../functions/lib/audit.js';
import { fixedClock } from '../../functions/lib/clock.js';
import type { Deps } from '../../functions/lib/deps.js';
import { newId } from '../../functions/lib/ids.js';
import { keys } from '../../functions/lib/keys.js';
import { batchWrite, queryAll } from '../../functions/lib/table.js';
import { aCentre } from '../support/builders.js';
import { useLocalStack } from '../support/local-stack.js';
import { tableDeps } from '../support/table-deps.js';

const stack = useLocalStack();

const header =
  'Adno,UPN,ULN,UCI,Legal Surname,Legal Forename,Preferred Forename,' +
  'Gender,DOB,Year,Reg\n';
const kwame =
  '5001,N330432113001,6013519241,,Müller,Kwame,,M,30/10/2009,11,11A\n';
const niamh =
  '5002,C330432113002,1307193691,,Williams,Niamh,,F,17/11/2009,11,11A\n';

/** A centre of its own, with a URN and centre number no other test has. */
async function aCentreOfItsOwn(deps: Deps) {
  const n = Math.floor(Math.random() * 89_999);
  const centre = aCentre({
    urn: String(700_000 + n),
    centreNumber: String(10_000 + n),
  });
  await batchWrite(deps.db, deps.config.TABLE_NAME, [
    {
      PutRequest: {
        Item: { ...keys.centre(centre.urn), type: 'centre', ...centre },
      },
    },
  ]);
  return centre;
}

async function rollOf(deps: Deps, urn: string) {
  const items = await queryAll(deps.db, {
    TableName: deps.config.TABLE_NAME,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :s)',
    ExpressionAttributeValues: { ':pk': keys.centre(urn).PK, ':s': 'STUDENT#' },
  });
  return new Map(items.map((i) => [String(i.upn), i as unknown as Student]));
}

/** What results, issuing and an audit would have left about a student. */
async function historyOf(deps: Deps, student: Student) {
  const { urn, studentId } = student;
  const at = deps.clock.now().toISOString();
  const chainId = `${urn}${studentId}${newId()}`;
  const offerId = newId();
  const vouchId = newId();
  await batchWrite(
    deps.db,
    deps.config.TABLE_NAME,
    [
      {
        ...keys.result(urn, studentId, 'r1'),
        type: 'result',
        urn,
        studentId,
      },
      { ...keys.record(studentId), type: 'record', urn, studentId },
      {
        ...keys.offer(offerId),
        ...keys.studentOffers(studentId, at),
        type: 'offer',
        offerId,
        urn,
        studentId,
        status: 'delivered',
      },
      {
        ...keys.chain(chainId),
        ...keys.studentChains(studentId, at),
        type: 'chain',
        chainId,
        urn,
        studentId,
        status: 'active',
      },
      {
        ...keys.vouch(urn, vouchId),
        ...keys.studentVouches(studentId, at, vouchId),
        type: 'vouch',
        vouchId,
        urn,
        studentId,
      },
    ].map((Item) => ({ PutRequest: { Item } })),
  );
  await recordAudit(deps, 'offer-revoked', 'system', { urn, studentId });
}

const nonAudit = (items: Item[]) => items.filter((i) => i.type !== 'audit');
const typesOf = (items: Item[]) =>
  [...new Set(items.map((i) => i.type))].sort();

describe('retention after a student leaves', () => {
  const clock = fixedClock('2026-07-20T09:00:00.000Z');
  const deps = tableDeps(stack, { clock });

  it('gives everything of a left student the retention ttl, and takes it away when they return', async () => {
    const centre = await aCentreOfItsOwn(deps);
    await importRoster(deps, centre, header + kwame + niamh, {
      fullRoll: true,
    });
    const roll = await rollOf(deps, centre.urn);
    const leaver = roll.get('N330432113001') as Student;
    const stayer = roll.get('C330432113002') as Student;
    await historyOf(deps, leaver);
    await historyOf(deps, stayer);

    await importRoster(deps, centre, header + niamh, { fullRoll: true });
    const gone = await studentItems(deps, centre.urn, leaver.studentId);
    const kept = await studentItems(deps, centre.urn, stayer.studentId);

    const expected = retentionEnd(clock.now(), 24);
    expect(expected).toBe(Date.UTC(2028, 6, 20, 9) / 1000);
    expect(typesOf(nonAudit(gone.items))).toEqual([
      'chain',
      'offer',
      'record',
      'result',
      'student',
      'studentLocator',
      'studentMembership',
      'studentUpn',
      'vouch',
    ]);
    for (const item of nonAudit(gone.items)) {
      expect([item.type, item.ttl]).toEqual([item.type, expected]);
    }
    for (const item of gone.items.filter((i) => i.type === 'audit')) {
      expect(item.ttl).toBeUndefined();
    }
    for (const item of kept.items) expect(item.ttl).toBeUndefined();

    await importRoster(deps, centre, header + kwame + niamh, {
      fullRoll: true,
    });
    const back = await studentItems(deps, centre.urn, leaver.studentId);

    expect(back.student?.status).toBe('on-roll');
    expect(nonAudit(back.items).length).toBe(nonAudit(gone.items).length);
    for (const item of back.items) {
      expect([item.type, item.ttl]).toEqual([item.type, undefined]);
    }
  });
});
