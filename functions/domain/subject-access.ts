import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Actor, recordAudit } from '../lib/audit.js';
import type { Deps } from '../lib/deps.js';
import { notFound } from '../lib/errors.js';
import { keys, table } from '../lib/keys.js';
import {
  batchGet,
  batchWrite,
  entity,
  getEntity,
  ignoreConditionFailure,
  queryPage,
} from '../lib/table.js';
import type { LookAlike } from './look-alikes.js';
import { revokeIfLive } from './offers.js';
import { revokeChainCredentials } from './revocation.js';
import { type Item, isAudit, studentItems } from './student-data.js';
import type { Group, Student } from './types.js';

/**
 * Attributes never exported: hashes of secrets, from which nothing about
 * the student follows but which a leaked export would make worth having.
 */
const secretAttributes = new Set([
  'refHash',
  'codeHash',
  'txCodeHash',
  'refreshHash',
  'previousRefreshHash',
  'accessHash',
]);

function withoutSecrets(item: Item): Record<string, unknown> {
  const out = entity<Record<string, unknown>>(item);
  for (const name of secretAttributes) delete out[name];

  return out;
}

/**
 * The centre of a student. Student ids are unique in the region: their
 * locator item names it; a student imported before that item existed
 * is found through the first of their offers, chains or audit entries.
 */
async function centreOf(deps: Deps, studentId: string): Promise<string> {
  const index = await getEntity<{ urn: string }>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.studentLocator(studentId),
  );
  if (index?.urn) return index.urn;
  const gsi1 = table.indexes.gsi1;
  const { items } = await queryPage(deps.db, {
    TableName: deps.config.TABLE_NAME,
    IndexName: gsi1.name,
    KeyConditionExpression: `${gsi1.partitionKey} = :pk`,
    ExpressionAttributeValues: { ':pk': keys.studentPartition(studentId) },
    Limit: 20,
  });
  for (const item of items) {
    const urn = item.urn ?? (item.subject as { urn?: string } | undefined)?.urn;
    if (typeof urn === 'string') return urn;
  }
  throw notFound();
}

/** What is held about a student, audit entries aside; 404 if nothing. */
async function heldAbout(deps: Deps, studentId: string) {
  const urn = await centreOf(deps, studentId);
  const held = await studentItems(deps, urn, studentId);
  if (held.items.every(isAudit)) throw notFound();

  return { urn, ...held };
}

const ofType = (items: Item[], type: string) =>
  items.filter((i) => i.type === type).map(withoutSecrets);

/**
 * Everything held about one student, for a subject access request: their
 * details and look-alikes, groups, vouches, offers and chains (without the
 * hashes of their secrets), results, prepared record, any reports and
 * enquiries, and the audit trail. The export itself is audited.
 */
export async function exportStudent(
  deps: Deps,
  actor: Actor,
  studentId: string,
) {
  const { urn, student, items } = await heldAbout(deps, studentId);
  const groupIds = items
    .filter((i) => i.type === 'studentMembership')
    .map((i) => String(i.groupId));
  const groups = (
    await batchGet(
      deps.db,
      deps.config.TABLE_NAME,
      groupIds.map((groupId) => keys.group(urn, groupId)),
    )
  ).map((i) => entity<Group>(i));
  const exportedAt = deps.clock.now().toISOString();
  await recordAudit(deps, 'subject-access-export', actor, { urn, studentId });

  return {
    studentId,
    urn,
    exportedAt,
    student: student ?? null,
    groups: groups
      .map((g) => ({ groupId: g.groupId, name: g.name, kind: g.kind }))
      .sort((a, b) => a.groupId.localeCompare(b.groupId)),
    vouches: ofType(items, 'vouch'),
    offers: ofType(items, 'offer'),
    chains: ofType(items, 'chain'),
    results: ofType(items, 'result'),
    record: ofType(items, 'record')[0] ?? null,
    reports: ofType(items, 'report'),
    enquiries: ofType(items, 'enquiry'),
    audit: ofType(items, 'audit'),
  };
}

export interface Erasure {
  studentId: string;
  status: 'erased';
  itemsDeleted: number;
  offersRevoked: number;
  chainsRevoked: number;
}

/**
 * Erases everything held about a student on request. First nothing may
 * stay valid: live offers are revoked (so no new chain can begin), then
 * every chain is revoked and its credentials marked invalid in the status
 * list. Then every item goes, and the student leaves the look-alike lists
 * of the students they could be taken for. The audit trail, which holds
 * identifiers only, is kept, with an entry for the erasure. A second
 * request finds nothing: 404.
 */
export async function eraseStudent(
  deps: Deps,
  actor: Actor,
  studentId: string,
): Promise<Erasure> {
  const first = await heldAbout(deps, studentId);
  const { urn } = first;
  const at = deps.clock.now().toISOString();
  let offersRevoked = 0;
  for (const offer of first.items.filter((i) => i.type === 'offer')) {
    if (await revokeIfLive(deps, String(offer.offerId), 'student-erased', at)) {
      offersRevoked++;
    }
  }

  // Read again: a chain begun before the offers were revoked is here now.
  const { student, items } = await studentItems(deps, urn, studentId);
  let chainsRevoked = 0;
  for (const chain of items.filter((i) => i.type === 'chain')) {
    await revokeChainCredentials(deps, String(chain.chainId), 'student-erased');
    chainsRevoked++;
  }
  if (student) await leaveLookAlikes(deps, student);

  const doomed = items.filter((i) => !isAudit(i));
  await batchWrite(
    deps.db,
    deps.config.TABLE_NAME,
    doomed.map((i) => ({ DeleteRequest: { Key: { PK: i.PK, SK: i.SK } } })),
  );
  if (student?.status === 'on-roll') {
    await deps.db
      .send(
        new UpdateCommand({
          TableName: deps.config.TABLE_NAME,
          Key: keys.centre(urn),
          UpdateExpression: 'ADD onRoll :less',
          ConditionExpression: 'onRoll > :none',
          ExpressionAttributeValues: { ':less': -1, ':none': 0 },
        }),
      )
      .catch(ignoreConditionFailure);
  }
  await recordAudit(
    deps,
    'student-erased',
    actor,
    { urn, studentId },
    { itemsDeleted: doomed.length, offersRevoked, chainsRevoked },
  );

  return {
    studentId,
    status: 'erased',
    itemsDeleted: doomed.length,
    offersRevoked,
    chainsRevoked,
  };
}

/** Takes an erased student out of the look-alikes of the others. */
async function leaveLookAlikes(deps: Deps, student: Student): Promise<void> {
  for (const { studentId } of student.lookAlikes ?? []) {
    const other = await getEntity<Student>(
      deps.db,
      deps.config.TABLE_NAME,
      keys.student(student.urn, studentId),
    );
    if (!other?.lookAlikes) continue;
    const rest: LookAlike[] = other.lookAlikes.filter(
      (l) => l.studentId !== student.studentId,
    );
    await deps.db
      .send(
        new UpdateCommand({
          TableName: deps.config.TABLE_NAME,
          Key: keys.student(student.urn, studentId),
          UpdateExpression:
            rest.length > 0 ? 'SET lookAlikes = :rest' : 'REMOVE lookAlikes',
          ConditionExpression: 'attribute_exists(PK)',
          ...(rest.length > 0
            ? { ExpressionAttributeValues: { ':rest': rest } }
            : {}),
        }),
      )
      .catch(ignoreConditionFailure);
  }
}
