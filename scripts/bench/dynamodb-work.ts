/**
 * DynamoDB work per API operation: a short scenario that makes every kind
 * of call a season makes (onboarding, roster import, vouching, offers,
 * redemption, results import, the release, refreshes, revocation, status
 * lists), counted by the stack's middleware, one request at a time as
 * Lambda would serve them.
 */
import { readFileSync } from 'node:fs';
import { apiClient } from '../../test/support/api.js';
import type { Counts } from './counting.js';
import type { BenchStack } from './harness.js';
import { runOverItems } from './load.js';
import { importResults, putSeries, resultsCsv } from './results.js';
import { benchCentre, vouchAndOffer } from './setup.js';
import { atMost, exactly, type Row, row } from './table.js';
import { claimsOf, redeem, refresh, scan, type Wallet } from './wallet.js';

export interface OperationWork {
  requests: number;
  roundTrips: number;
  readUnits: number;
  writeUnits: number;
  handlerMs: number;
  logBytes: number;
}

export interface WorkResult {
  rows: Row[];
  counts: Counts;
  /** Per request of each operation. */
  perRequest: Record<string, OperationWork>;
  /** Bytes of an access log line (the local API's request log). */
  accessLogBytes: number;
  rosterRows: number;
  resultRows: number;
}

const roundTripTargets: Record<string, number> = {
  'POST /token (code)': 1,
  'POST /centres/{urn}/students/{studentId}/vouches': 2,
};

export function perRequest(counts: Counts): Record<string, OperationWork> {
  const out: Record<string, OperationWork> = {};
  for (const [op, c] of Object.entries(counts)) {
    const n = Math.max(1, c.requests);
    const calls = Object.values(c.calls).reduce((a, b) => a + b, 0);
    out[op] = {
      requests: c.requests,
      roundTrips: calls / n,
      readUnits: c.readUnits / n,
      writeUnits: c.writeUnits / n,
      handlerMs: c.handlerMs / n,
      logBytes: c.logBytes / n,
    };
  }
  return out;
}

export async function dynamoDbWorkBenchmark(
  bench: BenchStack,
): Promise<WorkResult> {
  const { stack } = bench;
  const call = apiClient(stack.apiUrl);
  const students = 40;
  const linked = 10;
  await bench.reset();

  const centre = await benchCentre(stack, students, 30);
  const seriesId = `bench-${Date.now().toString(36)}`;
  const seriesName = `Bench ${seriesId}`;
  await putSeries(stack, seriesId, seriesName, new Date(Date.now() + 3.6e6));
  const { matched } = await importResults(
    stack,
    seriesId,
    resultsCsv([centre], seriesName),
  );

  const wallets: Wallet[] = [];
  const offers: string[] = [];
  await runOverItems(1, centre.pupils.slice(0, linked), async (p, time) => {
    const offer = await vouchAndOffer(stack.apiUrl, centre, p, time);
    offers.push(offer.offerId);
    const code = await scan(offer.credentialOffer);
    wallets.push(await redeem(stack.apiUrl, code, offer.txCode, time));
  });
  const token = centre.issuer.token;
  await call('GET', `/centres/${centre.urn}/offers/${offers[0]}`, { token });

  await putSeries(stack, seriesId, seriesName, new Date(Date.now() + 1500));
  await new Promise((done) => setTimeout(done, 2000));
  const refreshed = await runOverItems(1, wallets, async (w, time) => {
    const next = await refresh(stack.apiUrl, w, time);
    if (claimsOf(next.credential).qualifications.length !== 2) {
      throw new Error('a refreshed record lacks its results');
    }
  });
  if (refreshed.errors) throw new Error(`refresh: ${refreshed.firstError}`);

  const status = claimsOf(wallets[0]?.credential ?? '').status.status_list;
  await fetch(status.uri);
  await fetch(`${stack.apiUrl}/series`);
  await call('GET', `/centres/${centre.urn}`, { token });
  await call('GET', `/centres/${centre.urn}/staff`, {
    token: centre.admin.token,
  });
  await call('POST', `/centres/${centre.urn}/offers/${offers[1]}/revoke`, {
    token,
    json: { reason: 'wrong-student' },
  });

  const counts = await bench.snapshot();
  const work = perRequest(counts);
  const rows: Row[] = [];
  let scans = 0;
  let scanned = 0;
  let returned = 0;
  for (const [op, c] of Object.entries(counts).sort()) {
    scans += c.scans;
    scanned += c.queryScanned;
    returned += c.queryReturned;
    const w = work[op] as OperationWork;
    const target = roundTripTargets[op];
    const calls = Object.entries(c.calls)
      .map(([cmd, n]) => `${cmd.replace('Command', '')} ${n / c.requests}`)
      .join(', ');
    rows.push(
      row(
        `db ${op} round trips (${calls})`,
        w.roundTrips,
        'calls',
        null,
        target === undefined ? null : atMost(target, 'value'),
      ),
      row(
        `db ${op} capacity (R ${w.readUnits.toFixed(1)}, ` +
          `W ${w.writeUnits.toFixed(1)})`,
        w.readUnits + w.writeUnits,
        'units',
      ),
    );
  }
  rows.push(
    row('db scans, every operation', scans, 'scans', null, exactly(0)),
    row(
      'db query items read vs returned',
      scanned,
      'items',
      returned,
      atMost(1),
    ),
  );
  const log = readFileSync(stack.logFile, 'utf8').trim().split('\n');
  const accessLogBytes =
    log.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0) / log.length;

  return {
    rows,
    counts,
    perRequest: work,
    accessLogBytes,
    rosterRows: students,
    resultRows: matched,
  };
}
