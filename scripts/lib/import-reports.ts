/**
 * The reports the import routes answer with: merging a chunked results
 * import into one report in the file's own line numbers, and the one-line
 * summary the command prints for a person.
 */
import type { GroupsImportReport } from '../../functions/domain/groups-import.js';
import type { ResultsReport } from '../../functions/domain/results-import.js';
import type { RosterReport } from '../../functions/domain/roster-import.js';
import type { StaffImportReport } from '../../functions/domain/staff-import.js';

export type {
  GroupsImportReport,
  ResultsReport,
  RosterReport,
  StaffImportReport,
};

export const importKinds = ['roster', 'staff', 'groups', 'results'] as const;

export type ImportKind = (typeof importKinds)[number];

/** One chunk's report and what turns its lines into the file's. */
export interface ChunkReport {
  report: ResultsReport;
  lineOffset: number;
}

const shifted = <T extends { line: number }>(items: T[], offset: number) =>
  items.map((item) => ({ ...item, line: item.line + offset }));

const byLine = <T extends { line: number }>(items: T[]) =>
  items.sort((a, b) => a.line - b.line);

/**
 * One report for the whole file, as if it had been sent in one request:
 * counts added up, and every listed row named by its line in the file.
 */
export function mergeResultsReports(parts: ChunkReport[]): ResultsReport {
  const merged: ResultsReport = {
    matched: 0,
    stored: 0,
    corrected: [],
    unmatched: [],
    conflicts: [],
    rejected: [],
  };
  for (const { report, lineOffset } of parts) {
    merged.matched += report.matched;
    merged.stored += report.stored;
    merged.corrected.push(...shifted(report.corrected ?? [], lineOffset));
    merged.unmatched.push(...shifted(report.unmatched, lineOffset));
    merged.conflicts.push(...shifted(report.conflicts, lineOffset));
    merged.rejected.push(...shifted(report.rejected, lineOffset));
  }
  byLine(merged.unmatched);
  byLine(merged.conflicts);
  byLine(merged.rejected);

  return merged;
}

/** `1 duplicate`, `2 duplicates`; `0 rejected` needs no plural. */
const count = (n: number, noun: string, plural = `${noun}s`) =>
  `${n} ${n === 1 ? noun : plural}`;

const listed = (items: unknown[] | undefined) => items?.length ?? 0;

/** Parts that are worth a mention only when they are not zero. */
const ifAny = (n: number, text: string) => (n > 0 ? [text] : []);

function rosterSummary(report: RosterReport): string[] {
  const absent = listed(report.absent);
  const left = listed(report.left);

  return [
    `${report.created} created`,
    `${report.updated} updated`,
    `${report.unchanged} unchanged`,
    count(listed(report.duplicates), 'duplicate'),
    `${listed(report.rejected)} rejected`,
    ...ifAny(absent, `${absent} absent`),
    ...ifAny(left, `${left} marked as left`),
  ];
}

function staffSummary(report: StaffImportReport): string[] {
  const missing = (report.rows ?? []).reduce(
    (n, row) => n + listed(row.groupsNotFound),
    0,
  );

  return [
    `${report.created} created`,
    `${report.existing} existing`,
    `${listed(report.rejected)} rejected`,
    ...ifAny(missing, count(missing, 'group not found', 'groups not found')),
  ];
}

function groupsSummary(report: GroupsImportReport): string[] {
  return [
    count(report.groupsCreated, 'group created', 'groups created'),
    `${report.added} added`,
    `${report.unchanged} unchanged`,
    `${listed(report.rejected)} rejected`,
  ];
}

function resultsSummary(report: ResultsReport): string[] {
  return [
    `${report.matched} matched`,
    `${report.stored} stored`,
    `${listed(report.unmatched)} unmatched`,
    count(listed(report.conflicts), 'conflict'),
    `${listed(report.rejected)} rejected`,
  ];
}

const summaries: Record<ImportKind, (report: never) => string[]> = {
  roster: rosterSummary,
  staff: staffSummary,
  groups: groupsSummary,
  results: resultsSummary,
};

/** The report in one line, e.g. `220 created, 0 updated, ...`. */
export function summarise(kind: ImportKind, report: unknown): string {
  return summaries[kind](report as never).join(', ');
}
