/**
 * Prepared records: each student's qualifications in one item, rebuilt
 * from their results whenever an import stores or corrects one. Issuing a
 * record, at 11:00 on results day as at any other time, then reads one
 * item and the series catalogue in a single BatchGetItem, and
 * `releasedRecord` decides what may be seen at that moment.
 *
 * To issue a record, put `recordKey(studentId)` and `catalogueKey()` into
 * the BatchGetItem with whatever else it reads, pass the items it answers
 * to `readRecordParts`, and those to `releasedRecord` with the time of
 * issue.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Deps } from '../lib/deps.js';
import { unavailable } from '../lib/errors.js';
import { type Key, keys } from '../lib/keys.js';
import { inLanes } from '../lib/lanes.js';
import {
  batchGet,
  entity,
  isConditionFailure,
  itemOfFailedCondition,
  queryAll,
} from '../lib/table.js';
import {
  isReleased,
  type SeriesCatalogue,
  type SeriesView,
  seriesEntry,
} from './series.js';
import type { Qualification, Result } from './types.js';

export type { SeriesCatalogue, SeriesView } from './series.js';

/** A result as stored: those of a series carry its id. */
export interface StoredResult extends Result {
  seriesId?: string;
  /** Set when a later file changed the result. */
  correctedAt?: string;
}

export interface PreparedQualification extends Qualification {
  /** Withheld until this series' release time; none means released. */
  seriesId?: string;
}

/** The record item, without its keys. */
export interface PreparedRecord {
  urn: string;
  studentId: string;
  /** By award date, then title. */
  qualifications: PreparedQualification[];
  updatedAt: string;
  /** Counts rebuilds, so that two imports at once cannot lose one. */
  version: number;
  /** Unresolved reports' challenges (challenges.ts); kept by rebuilds. */
  challenges?: string[];
}

export interface StudentRef {
  urn: string;
  studentId: string;
}

export interface ReleasedRecord {
  qualifications: Qualification[];
  /** Series with withheld qualifications, soonest release first. */
  pendingSeries: SeriesView[];
}

/** The student's prepared record, for a BatchGetItem. */
export const recordKey = (studentId: string): Key => keys.record(studentId);

/** The series catalogue, for the same BatchGetItem. */
export const catalogueKey = (): Key => keys.seriesCatalogue();

const sameKey = (item: Record<string, unknown>, key: Key) =>
  item.PK === key.PK && item.SK === key.SK;

/**
 * Picks the record and the catalogue out of a BatchGetItem's items (which
 * come in no order and may hold others, such as the student and centre).
 * Either is undefined when the table has none yet.
 */
export function readRecordParts(
  items: Record<string, unknown>[],
  studentId: string,
): {
  record: PreparedRecord | undefined;
  catalogue: SeriesCatalogue | undefined;
} {
  const record = items.find((i) => sameKey(i, recordKey(studentId)));
  const catalogue = items.find((i) => sameKey(i, catalogueKey()));

  return {
    record: record ? entity<PreparedRecord>(record) : undefined,
    catalogue: catalogue ? entity<SeriesCatalogue>(catalogue) : undefined,
  };
}

/** Only the fields a credential carries, in a fixed order. */
const released = (q: PreparedQualification): Qualification => ({
  title: q.title,
  qan: q.qan,
  awardingBody: q.awardingBody,
  subject: q.subject,
  level: q.level,
  grade: q.grade,
  awardDate: q.awardDate,
});

/**
 * What of a prepared record may be seen at `now`. A qualification of no
 * series, or of a series whose release time is `now` or earlier, is
 * released; the others are withheld and their series listed, so that a
 * wallet knows when to ask again. A series missing from the catalogue
 * withholds its qualifications and is not listed: it fails closed.
 */
export function releasedRecord(
  prepared: PreparedRecord | undefined,
  catalogue: SeriesCatalogue | undefined,
  now: Date,
): ReleasedRecord {
  const qualifications: Qualification[] = [];
  const pending = new Map<string, SeriesView>();
  for (const q of prepared?.qualifications ?? []) {
    if (q.seriesId === undefined) {
      qualifications.push(released(q));
      continue;
    }
    const entry = seriesEntry(catalogue, q.seriesId);
    if (!entry || !Number.isFinite(Date.parse(entry.releaseAt))) continue;
    if (isReleased(entry, now)) {
      qualifications.push(released(q));
    } else {
      pending.set(q.seriesId, {
        seriesId: q.seriesId,
        name: entry.name,
        releaseAt: entry.releaseAt,
      });
    }
  }
  const pendingSeries = [...pending.values()].sort(
    (a, b) =>
      Date.parse(a.releaseAt) - Date.parse(b.releaseAt) ||
      a.seriesId.localeCompare(b.seriesId),
  );

  return { qualifications, pendingSeries };
}

/** The qualification a stored result gives the record. */
export function qualificationOf(result: StoredResult): PreparedQualification {
  return {
    ...released(result),
    ...(result.seriesId === undefined ? {} : { seriesId: result.seriesId }),
  };
}

/** Compares every field, whatever order the item's map came back in. */
const fingerprint = (q: PreparedQualification): string =>
  JSON.stringify([
    q.awardingBody,
    q.qan,
    q.title,
    q.subject,
    q.level,
    q.grade,
    q.awardDate,
    q.seriesId ?? null,
  ]);

/** Whether a prepared record already shows this qualification exactly. */
export function recordHolds(
  record: PreparedRecord | undefined,
  qualification: PreparedQualification,
): boolean {
  const wanted = fingerprint(qualification);

  return (record?.qualifications ?? []).some((q) => fingerprint(q) === wanted);
}

/** By award date, then title; the rest only to make the order total. */
const byAwardDateThenTitle = (
  a: PreparedQualification,
  b: PreparedQualification,
) =>
  a.awardDate.localeCompare(b.awardDate) ||
  a.title.localeCompare(b.title) ||
  fingerprint(a).localeCompare(fingerprint(b));

const sameQualifications = (
  a: PreparedQualification[],
  b: PreparedQualification[],
) =>
  a.length === b.length &&
  a.every((q, i) => fingerprint(q) === fingerprint(b[i] as typeof q));

/** Queries and writes in flight at once. */
const inFlight = 10;
/** Rounds of rebuild before answering 503: losing one is rare already. */
const maxPrepareAttempts = 5;
/**
 * A centre's results are read whole, in one paged Query, when an import
 * touches at least this share of its roll: cheaper then than a Query a
 * student, each of which is charged at least one read unit.
 */
const wholeCentreShare = 0.5;

const resultsQuery = (deps: Deps, urn: string, prefix: string) =>
  queryAll(deps.db, {
    TableName: deps.config.TABLE_NAME,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: {
      ':pk': keys.centre(urn).PK,
      ':prefix': prefix,
    },
    ConsistentRead: true,
  }).then((items) => items.map((i) => entity<StoredResult>(i)));

const resultsOf = (deps: Deps, student: StudentRef) =>
  resultsQuery(deps, student.urn, keys.resultPrefix(student.studentId));

/**
 * Rebuilds the prepared record of each student from their results. Runs
 * at import, so a Query a student is fine here; where an import touches
 * much of a centre's roll, the centre's results are read whole instead.
 * A record already showing exactly the student's results is left as it
 * is.
 */
export async function prepareRecords(
  deps: Deps,
  students: StudentRef[],
): Promise<{ prepared: number }> {
  const distinct = [...new Map(students.map((s) => [s.studentId, s])).values()];
  const byCentre = new Map<string, StudentRef[]>();
  for (const s of distinct) {
    const touched = byCentre.get(s.urn) ?? [];
    touched.push(s);
    byCentre.set(s.urn, touched);
  }
  // Records are read before any result, as `prepareRecord` requires.
  const items = await batchGet(deps.db, deps.config.TABLE_NAME, [
    ...distinct.map((s) => recordKey(s.studentId)),
    ...[...byCentre.keys()].map((urn) => keys.centre(urn)),
  ]);
  const current = new Map<string, PreparedRecord>();
  const onRoll = new Map<string, number>();
  for (const item of items) {
    if (sameKey(item, recordKey(String(item.studentId)))) {
      const record = entity<PreparedRecord>(item);
      current.set(record.studentId, record);
    } else if (sameKey(item, keys.centre(String(item.urn)))) {
      onRoll.set(String(item.urn), Number(item.onRoll ?? 0));
    }
  }

  const known = new Map<string, StoredResult[]>();
  const wholeCentres = [...byCentre.entries()]
    .filter(
      ([urn, touched]) =>
        touched.length > 1 &&
        touched.length >= wholeCentreShare * (onRoll.get(urn) ?? Infinity),
    )
    .map(([urn, touched]) => ({ urn, touched }));
  await inLanes(wholeCentres, inFlight, async ({ urn, touched }) => {
    for (const s of touched) known.set(s.studentId, []);
    for (const r of await resultsQuery(deps, urn, keys.centreResultsPrefix())) {
      known.get(r.studentId)?.push(r);
    }
  });

  let prepared = 0;
  await inLanes(distinct, inFlight, async (s) => {
    const found = current.get(s.studentId);
    if (await prepareRecord(deps, s, found, known.get(s.studentId))) {
      prepared++;
    }
  });

  return { prepared };
}

/**
 * One student's rebuild. The write is conditional on the version read
 * before the results were queried: an import that stored a result after
 * that query has rebuilt the record since, so losing the condition means
 * querying again, never writing a record that lacks a result.
 */
async function prepareRecord(
  deps: Deps,
  student: StudentRef,
  found: PreparedRecord | undefined,
  readAlready?: StoredResult[],
): Promise<boolean> {
  let seen = found;
  let results = readAlready;
  for (let attempt = 0; attempt < maxPrepareAttempts; attempt++) {
    const qualifications = (results ?? (await resultsOf(deps, student)))
      .map(qualificationOf)
      .sort(byAwardDateThenTitle);
    results = undefined;
    if (
      seen?.urn === student.urn &&
      sameQualifications(seen.qualifications ?? [], qualifications)
    ) {
      return false;
    }

    const record: PreparedRecord = {
      urn: student.urn,
      studentId: student.studentId,
      qualifications,
      updatedAt: deps.clock.now().toISOString(),
      version: (seen?.version ?? 0) + 1,
    };
    try {
      await deps.db.send(
        new PutCommand({
          TableName: deps.config.TABLE_NAME,
          Item: {
            ...recordKey(student.studentId),
            type: 'record',
            ...record,
            // A string set, so reports add and remove their own elements.
            ...(seen?.challenges?.length
              ? { challenges: new Set(seen.challenges) }
              : {}),
          },
          ...(seen
            ? {
                ConditionExpression: '#version = :seen',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':seen': seen.version },
              }
            : { ConditionExpression: 'attribute_not_exists(PK)' }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );

      return true;
    } catch (error) {
      if (!isConditionFailure(error)) {
        throw error;
      }
      const now = itemOfFailedCondition(error);
      seen = now ? entity<PreparedRecord>(now) : undefined;
    }
  }
  throw unavailable(1);
}
