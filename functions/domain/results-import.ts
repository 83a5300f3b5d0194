import type { Rejection } from '../imports/csv.js';
import { parseResults, type ResultRow } from '../imports/results-csv.js';
import type { Deps } from '../lib/deps.js';
import { unprocessable } from '../lib/errors.js';
import { stableId } from '../lib/ids.js';
import { keys, table } from '../lib/keys.js';
import { batchGet, batchWrite, entity, queryAll } from '../lib/table.js';
import {
  type PreparedRecord,
  prepareRecords,
  qualificationOf,
  recordHolds,
  recordKey,
  type StoredResult,
  type StudentRef,
} from './records.js';
import {
  isReleased,
  readCatalogue,
  type SeriesCatalogue,
  type SeriesView,
  seriesEntry,
  seriesList,
  seriesNameKey,
} from './series.js';
import type { Student } from './types.js';

export interface ResultsReport {
  /** Rows attached to a student (now or by an earlier import). */
  matched: number;
  /** Of those, rows this import stored for the first time. */
  stored: number;
  /** Of those, rows that changed a result an earlier import stored. */
  corrected: { line: number }[];
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

export interface ImportOptions {
  /** The series the file belongs to; without one, rows release at once. */
  seriesId?: string;
}

const seriesMessages = {
  mismatch:
    "The row's series is not the series this file was imported for. " +
    'Import the row with its own series, or correct it.',
  embargoed:
    'The row belongs to a series whose results are not released yet. ' +
    'Import the file naming that series (?series=), so that its results ' +
    'are withheld until the release time.',
  inFileConflict:
    'Another row of this file gives this student a different result for ' +
    'the same qualification and series; the earlier row was kept. Check ' +
    'them with the awarding organisation.',
} as const;

/** The series named by `?series=`, or a 422 if there is none such. */
function seriesOf(
  catalogue: SeriesCatalogue | undefined,
  seriesId: string,
): SeriesView {
  const entry = seriesEntry(catalogue, seriesId);
  if (!entry) {
    throw unprocessable(
      'UNKNOWN_SERIES',
      'No series has this id. Create the series first, then import its ' +
        'results.',
      { field: 'series' },
    );
  }

  return { seriesId, name: entry.name, releaseAt: entry.releaseAt };
}

/**
 * Why a row may not be imported as the file was sent, if it may not: a
 * file sent for a series holds that series' rows only, and a file sent for
 * none may not hold rows of a series still under embargo, which would
 * otherwise be released at once.
 */
function seriesProblem(
  row: ResultRow,
  series: SeriesView | undefined,
  embargoed: Set<string>,
): Rejection | undefined {
  if (series) {
    if (seriesNameKey(row.series) === seriesNameKey(series.name)) {
      return undefined;
    }
    return {
      line: row.line,
      field: 'series',
      code: 'SERIES_MISMATCH',
      message: seriesMessages.mismatch,
    };
  }
  if (!embargoed.has(seriesNameKey(row.series))) return undefined;

  return {
    line: row.line,
    field: 'series',
    code: 'SERIES_EMBARGOED',
    message: seriesMessages.embargoed,
  };
}

/** The same award: every field a credential shows. */
const sameAward = (a: StoredResult, b: StoredResult) =>
  a.title === b.title &&
  a.qan === b.qan &&
  a.awardingBody === b.awardingBody &&
  a.subject === b.subject &&
  a.level === b.level &&
  a.grade === b.grade &&
  a.awardDate === b.awardDate;

/**
 * A held result with a later row's award. It keeps the series it was
 * stored with: a correction sent without the series, or for another,
 * must not release early what is withheld.
 */
function correction(
  held: StoredResult,
  row: StoredResult,
  now: string,
): StoredResult {
  const { seriesId: _seriesOfRow, ...award } = row;

  // A result only ever becomes stricter: one stored as released by an
  // import that forgot `?series=` is withheld again by one that names it.
  const seriesId = held.seriesId ?? row.seriesId;
  return {
    ...award,
    ...(seriesId === undefined ? {} : { seriesId }),
    importedAt: held.importedAt,
    correctedAt: now,
  };
}

/** A released result that this import puts under its series' embargo. */
function embargoesNow(held: StoredResult, row: StoredResult): boolean {
  return held.seriesId === undefined && row.seriesId !== undefined;
}

const resultKey = (r: StoredResult) =>
  keys.result(r.urn, r.studentId, r.resultId);

const keyId = (key: { PK: string; SK: string }) => `${key.PK}|${key.SK}`;

/**
 * Imports an awarding organisation's results file, optionally for one
 * series, whose rows are then withheld from records until its release
 * time.
 *
 * A result is one student's award of one qualification (awarding
 * organisation and QAN) in one series. A row for a result already held
 * with the same award changes nothing. A row for a result already held
 * with another award (grade, title, subject, level or award date) is a
 * correction: the result takes the row's award and the row is listed in
 * `corrected`. A result keeps the series it was first stored with, so a
 * correction cannot release early what was withheld. Two rows of one file
 * for one result with different awards are a conflict: the first stands.
 *
 * Every student whose results are not all shown by their prepared record
 * has it rebuilt, which also mends a record an interrupted import left
 * behind.
 */
export async function importResults(
  deps: Deps,
  text: string,
  options: ImportOptions = {},
): Promise<ResultsReport> {
  const catalogue = await readCatalogue(deps);
  const series =
    options.seriesId === undefined
      ? undefined
      : seriesOf(catalogue, options.seriesId);
  const parsed = parseResults(text);
  const clock = deps.clock.now();
  const report: ResultsReport = {
    matched: 0,
    stored: 0,
    corrected: [],
    unmatched: [],
    conflicts: [],
    rejected: parsed.rejected,
  };

  // Names of the series still under embargo, as seriesNameKey gives them.
  const embargoed = new Set(
    seriesList(catalogue)
      .filter((s) => !isReleased(s, clock))
      .map((s) => seriesNameKey(s.name)),
  );
  const rows: ResultRow[] = [];
  for (const row of parsed.rows) {
    const problem = seriesProblem(row, series, embargoed);
    if (problem) report.rejected.push(problem);
    else rows.push(row);
  }
  report.rejected.sort((a, b) => a.line - b.line);

  const lookups = new Map<string, Lookup>();
  for (const row of rows) {
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

  const now = clock.toISOString();
  const candidates: { line: number; result: StoredResult }[] = [];
  for (const row of rows) {
    const lookup = lookupFor(row);
    if (!lookup) continue;
    const match = matchRow(row, found.get(lookupId(lookup)) ?? []);
    if (match.kind === 'unmatched') {
      report.unmatched.push({ line: row.line, reason: match.reason });
    } else if (match.kind === 'conflict') {
      report.conflicts.push({ line: row.line, reason: match.reason });
    } else {
      candidates.push({
        line: row.line,
        result: {
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
          ...(series ? { seriesId: series.seriesId } : {}),
          importedAt: now,
        },
      });
    }
  }

  const TableName = deps.config.TABLE_NAME;
  const held = new Map(
    (
      await batchGet(
        deps.db,
        TableName,
        candidates.map((c) => resultKey(c.result)),
      )
    ).map((i) => [
      keyId(i as { PK: string; SK: string }),
      entity<StoredResult>(i),
    ]),
  );

  // Each result as it stands once this import is done.
  const outcome = new Map<string, StoredResult>();
  const writes: StoredResult[] = [];
  for (const { line, result } of candidates) {
    const id = keyId(resultKey(result));
    const earlier = outcome.get(id);
    if (earlier && !sameAward(earlier, result)) {
      report.conflicts.push({ line, reason: seriesMessages.inFileConflict });
      continue;
    }
    report.matched++;
    if (earlier) continue;

    const old = held.get(id);
    if (!old) {
      outcome.set(id, result);
      writes.push(result);
      report.stored++;
    } else if (sameAward(old, result) && !embargoesNow(old, result)) {
      outcome.set(id, old);
    } else {
      const fixed = correction(old, result, now);
      outcome.set(id, fixed);
      writes.push(fixed);
      report.corrected.push({ line });
    }
  }
  report.conflicts.sort((a, b) => a.line - b.line);

  await batchWrite(
    deps.db,
    TableName,
    writes.map((r) => ({
      PutRequest: { Item: { ...resultKey(r), type: 'result', ...r } },
    })),
  );
  await prepareRecords(
    deps,
    await studentsToPrepare(deps, [...outcome.values()]),
  );

  return report;
}

/** Students with a result their prepared record does not show as it is. */
async function studentsToPrepare(
  deps: Deps,
  results: StoredResult[],
): Promise<StudentRef[]> {
  const students = new Map<string, StudentRef>();
  for (const r of results) {
    students.set(r.studentId, { urn: r.urn, studentId: r.studentId });
  }
  const records = new Map(
    (
      await batchGet(
        deps.db,
        deps.config.TABLE_NAME,
        [...students.keys()].map(recordKey),
      )
    )
      .map((i) => entity<PreparedRecord>(i))
      .map((r) => [r.studentId, r] as const),
  );
  const stale = new Map<string, StudentRef>();
  for (const r of results) {
    if (!recordHolds(records.get(r.studentId), qualificationOf(r))) {
      stale.set(r.studentId, { urn: r.urn, studentId: r.studentId });
    }
  }

  return [...stale.values()];
}
