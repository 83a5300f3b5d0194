/**
 * Roster import: a 2,000-row MIS export through scripts/import.ts (its
 * progress bar on, as on a terminal), timed, with its DynamoDB calls;
 * then the same size again with faults injected (transactions cancelled
 * by conflicts, batch writes left half unprocessed) to see that every
 * row still arrives.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiClient } from '../../test/support/api.js';
import { newCentre } from '../../test/support/scenario.js';
import { runImport } from '../lib/import-command.js';
import type { BenchStack, Sizes } from './harness.js';
import { rosterCsv, rosterRows } from './setup.js';
import { below, exactly, type Row, row } from './table.js';

async function importOnce(bench: BenchStack, rows: number, file: string) {
  const centre = await newCentre(bench.stack);
  writeFileSync(file, rosterCsv(rosterRows(rows)));
  let out = '';
  let progressBytes = 0;
  const began = performance.now();
  const status = await runImport(
    [
      '--centre',
      centre.urn,
      file,
      '--api',
      bench.stack.apiUrl,
      '--token',
      centre.admin.token,
    ],
    {
      stdout: { write: (t: string) => (out += t) },
      // A terminal's stderr: the progress bar draws.
      stderr: {
        isTTY: true,
        write: (t: string) => (progressBytes += t.length),
      },
      env: {},
    },
  );
  const seconds = (performance.now() - began) / 1000;
  const report = status === 0 ? JSON.parse(out) : undefined;
  const listed = await apiClient(bench.stack.apiUrl)(
    'GET',
    `/centres/${centre.urn}/students?limit=1`,
    { token: centre.admin.token },
  );
  return {
    status,
    seconds,
    created: report?.created ?? 0,
    progressBytes,
    listedOk: listed.status === 200,
  };
}

export async function rosterImportBenchmark(
  bench: BenchStack,
  sizes: Sizes,
): Promise<Row[]> {
  const rows = sizes.rosterRows;
  const file = join(bench.logDir, '..', 'roster.csv');

  await bench.reset();
  const clean = await importOnce(bench, rows, file);
  const counts = await bench.snapshot();
  const work = counts['POST /centres/{urn}/students/import'];
  const calls = Object.entries(work?.calls ?? {});
  const total = calls.reduce((n, [, c]) => n + c, 0);

  await bench.faults(4);
  const faulty = await importOnce(bench, rows, file);
  const injected = await bench.faults(undefined);

  return [
    row(
      `roster import ${rows} rows (exit ${clean.status}, created ` +
        `${clean.created})`,
      clean.seconds,
      's',
      null,
      below(5),
    ),
    row(`roster import rows/s`, rows / clean.seconds, '/s'),
    row(
      `roster import DynamoDB calls (${calls
        .map(([c, n]) => `${c.replace('Command', '')} ${n}`)
        .join(', ')})`,
      total,
      'calls',
    ),
    row(
      `roster import under faults: rows created (exit ${faulty.status}, ` +
        `${injected.cancelledTransactions} transactions cancelled)`,
      faulty.created,
      'rows',
      null,
      exactly(rows),
    ),
  ];
}
