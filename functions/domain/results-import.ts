import type { Rejection } from '../imports/csv.js';
import { parseResults, type ResultRow } from '../imports/results-csv.js';
import type { Deps } from '../lib/deps.js';
import { stableId } from '../lib/ids.js';
import { keys, table } from '../lib/keys.js';
import { batchGet, batchWrite, entity, queryAll } from '../lib/table.js';
import type { Result, Student } from './types.js';

export interface ResultsReport {
  /** Rows attached to a student (now or by an earlier import). */
  matched: number;
  /** Of those, rows this import stored for the first time. */
  stored: number;
  unmatched: { line: number; reason: string }[];
  conflicts: { line: number; reason: string }[];
  rejected: Rejection[];
}

type Lookup = { kind: 'uln' | 'uci'; value: string };

function lookupFor(row: ResultRow): Lookup | undefined {
  if (row.uln) return { kind: 'uln', value: row.uln };
  if (row.uci) return { kind: 'uci', value: row.uci };
  return undefined;
}

const lookupId = (l: Lookup) => `${l.kind}:${l.value}`;

/** Students holding an identifier anywhere in the region. */
async function studentsBy(deps: Deps, lookup: Lookup): Promise<Student[]> {
  const index = lookup.kind === 'uln' ? table.indexes.gsi1 : table.indexes.gsi2;
  const partition =
    lookup.kind === 'uln'
      ? keys.ulnPartition(lookup.value)
      : keys.uciPartition(lookup.value);
  const items = await queryAll(deps.db, {
    TableName: deps.config.TABLE_NAME,
    IndexName: index.name,
    KeyConditionExpression: `${index.partitionKey} = :pk`,
    ExpressionAttributeValues: { ':pk': partition },
  });
  return items.map((i) => entity<Student & { centreNumber: string }>(i));
}

type Match =
  | { kind: 'matched'; student: Student }
  | { kind: 'unmatched'; reason: string }
  | { kind: 'conflict'; reason: string };

/**
 * Matches one row: by ULN across the region (by the row's centre number
 * where the ULN is on two rolls), or by UCI where the row has no ULN; in
 * both cases only where the date of birth agrees. Never by name.
 */
export function matchRow(row: ResultRow, candidates: Student[]): Match {
  let pool = candidates;
  if (pool.length > 1) {
    pool = pool.filter(
      (s) =>
        (s as Student & { centreNumber?: string }).centreNumber ===
        row.centreNumber,
    );
  }
  const by = row.uln ? 'ULN' : 'UCI';
  if (pool.length === 0) {
    return {
      kind: 'unmatched',
      reason:
        candidates.length > 1
          ? `The ${by} is on more than one roll and none is this centre's.`
          : `No student in this region has this ${by}.`,
    };
  }
  if (pool.length > 1) {
    return {
      kind: 'unmatched',
      reason: `The ${by} is on more than one roll at this centre.`,
    };
  }
  const student = pool[0] as Student;
  if (student.dateOfBirth !== row.dateOfBirth) {
    return {
      kind: 'conflict',
      reason:
        `A student has this ${by} but another date of birth, so the ` +
        'result was not attached. Check it with the awarding organisation.',
    };
  }
  return { kind: 'matched', student };
}

/** One result per student, qualification and series. */
export const resultIdFor = (row: ResultRow) =>
  stableId(row.awardingBody, row.qan, row.series);

const lookupsInFlight = 8;

/**
 * Imports an awarding organisation's results file. Re-importing changes
 * nothing: a result already held stays as it was.
 */
export async function importResults(
  deps: Deps,
  text: string,
): Promise<ResultsReport> {
  const parsed = parseResults(text);
  const report: ResultsReport = {
    matched: 0,
    stored: 0,
    unmatched: [],
    conflicts: [],
    rejected: parsed.rejected,
  };

  const lookups = new Map<string, Lookup>();
  for (const row of parsed.rows) {
    const lookup = lookupFor(row);
    if (lookup) lookups.set(lookupId(lookup), lookup);
  }
  const found = new Map<string, Student[]>();
  const pending = [...lookups.values()];
  await Promise.all(
    Array.from(
      { length: Math.min(lookupsInFlight, pending.length) },
      async () => {
        for (let l = pending.pop(); l; l = pending.pop()) {
          found.set(lookupId(l), await studentsBy(deps, l));
        }
      },
    ),
  );

  const now = deps.clock.now().toISOString();
  const candidates: Result[] = [];
  for (const row of parsed.rows) {
    const lookup = lookupFor(row);
    if (!lookup) continue;
    const match = matchRow(row, found.get(lookupId(lookup)) ?? []);
    if (match.kind === 'unmatched') {
      report.unmatched.push({ line: row.line, reason: match.reason });
    } else if (match.kind === 'conflict') {
      report.conflicts.push({ line: row.line, reason: match.reason });
    } else {
      report.matched++;
      candidates.push({
        urn: match.student.urn,
        studentId: match.student.studentId,
        resultId: resultIdFor(row),
        title: row.title,
        qan: row.qan,
        awardingBody: row.awardingBody,
        subject: row.subject,
        level: row.level,
        grade: row.grade,
        awardDate: row.awardDate,
        series: row.series,
        importedAt: now,
      });
    }
  }

  const resultKey = (r: Result) => keys.result(r.urn, r.studentId, r.resultId);
  const held = new Set(
    (
      await batchGet(deps.db, deps.config.TABLE_NAME, candidates.map(resultKey))
    ).map((i) => `${i.PK}|${i.SK}`),
  );
  const seen = new Set<string>();
  const fresh = candidates.filter((r) => {
    const k = resultKey(r);
    const id = `${k.PK}|${k.SK}`;
    if (held.has(id) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  await batchWrite(
    deps.db,
    deps.config.TABLE_NAME,
    fresh.map((r) => ({
      PutRequest: { Item: { ...resultKey(r), type: 'result', ...r } },
    })),
  );
  report.stored = fresh.length;
  return report;
}
