import { describe, expect, it } from 'vitest';
import {
  mergeResultsReports,
  type ResultsReport,
  type RosterReport,
  summarise,
} from '../../../scripts/lib/import-reports.js';

const rejection = (line: number, code = 'INVALID_ULN') => ({
  line,
  field: 'uln',
  code,
  message: 'The ULN is mistyped.',
});

const resultsReport = (
  overrides: Partial<ResultsReport> = {},
): ResultsReport => ({
  matched: 0,
  stored: 0,
  corrected: [],
  unmatched: [],
  conflicts: [],
  rejected: [],
  ...overrides,
});

const rosterReport = (overrides: Partial<RosterReport> = {}): RosterReport => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  duplicates: [],
  absent: [],
  left: [],
  rejected: [],
  ...overrides,
});

describe('mergeResultsReports', () => {
  it('adds up the counts of every chunk', () => {
    const merged = mergeResultsReports([
      { report: resultsReport({ matched: 10, stored: 7 }), lineOffset: 0 },
      { report: resultsReport({ matched: 5, stored: 5 }), lineOffset: 40 },
    ]);

    expect(merged.matched).toBe(15);
    expect(merged.stored).toBe(12);
  });

  it("names every listed row by its line in the file, not the chunk's", () => {
    const unmatched = (line: number) => ({ line, reason: 'No student.' });
    const conflict = (line: number) => ({ line, reason: 'Another DOB.' });

    const merged = mergeResultsReports([
      {
        report: resultsReport({
          unmatched: [unmatched(3)],
          rejected: [rejection(2), rejection(9, 'INVALID_QAN')],
        }),
        lineOffset: 0,
      },
      {
        report: resultsReport({
          unmatched: [unmatched(2)],
          conflicts: [conflict(4)],
          rejected: [rejection(5)],
        }),
        lineOffset: 100,
      },
    ]);

    expect(merged.unmatched).toEqual([unmatched(3), unmatched(102)]);
    expect(merged.conflicts).toEqual([conflict(104)]);
    expect(merged.rejected).toEqual([
      rejection(2),
      rejection(9, 'INVALID_QAN'),
      rejection(105),
    ]);
  });

  it('lists rows in the order of the file', () => {
    const merged = mergeResultsReports([
      { report: resultsReport({ rejected: [rejection(7)] }), lineOffset: 10 },
      { report: resultsReport({ rejected: [rejection(3)] }), lineOffset: 0 },
    ]);

    expect(merged.rejected.map((r) => r.line)).toEqual([3, 17]);
  });

  it('leaves the chunk reports as they were', () => {
    const part = resultsReport({ rejected: [rejection(2)] });

    mergeResultsReports([{ report: part, lineOffset: 50 }]);

    expect(part.rejected).toEqual([rejection(2)]);
  });

  it('makes an empty report of no chunks', () => {
    expect(mergeResultsReports([])).toEqual(resultsReport());
  });
});

describe('summarise', () => {
  it('sums up a roster import in one line', () => {
    const report = rosterReport({
      created: 220,
      duplicates: [{ line: 31, sameAs: 6 }],
      rejected: [26, 62, 92, 122, 152, 172, 202].map((l) => rejection(l)),
    });

    expect(summarise('roster', report)).toBe(
      '220 created, 0 updated, 0 unchanged, 1 duplicate, 7 rejected',
    );
  });

  it('mentions absent and departed students only when there are some', () => {
    const report = rosterReport({
      created: 1,
      updated: 2,
      unchanged: 217,
      duplicates: [
        { line: 3, sameAs: 2 },
        { line: 5, sameAs: 4 },
      ],
      absent: ['s1'],
      left: ['s1'],
    });

    expect(summarise('roster', report)).toBe(
      '1 created, 2 updated, 217 unchanged, 2 duplicates, 0 rejected, ' +
        '1 absent, 1 marked as left',
    );
  });

  it('sums up a results import', () => {
    const report = resultsReport({
      matched: 1469,
      stored: 1469,
      unmatched: [{ line: 40, reason: 'No student.' }],
      conflicts: [{ line: 41, reason: 'Another DOB.' }],
    });

    expect(summarise('results', report)).toBe(
      '1469 matched, 1469 stored, 1 unmatched, 1 conflict, 0 rejected',
    );
  });

  it('sums up a staff import, with groups that were not found', () => {
    const row = (groupsNotFound: string[]) => ({
      line: 2,
      staffId: 'st',
      status: 'created' as const,
      groups: [],
      groupsNotFound,
    });

    const report = {
      created: 14,
      existing: 1,
      rows: [row(['11A', 'Maths Set 1']), row(['13X'])],
      rejected: [rejection(4)],
    };

    expect(summarise('staff', report)).toBe(
      '14 created, 1 existing, 1 rejected, 3 groups not found',
    );
  });

  it('sums up a groups import', () => {
    const report = { groupsCreated: 1, added: 105, unchanged: 0, rejected: [] };

    expect(summarise('groups', report)).toBe(
      '1 group created, 105 added, 0 unchanged, 0 rejected',
    );
  });
});
