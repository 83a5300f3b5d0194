/**
 * Results day, both ways. Linking: students across centres vouched and
 * offered, most redeemed at once with DPoP, the rest left to expire.
 * Release: at the embargo every linked wallet refreshes (refresh token,
 * nonce, credential), and each record is checked against the student it
 * is for.
 */
import { apiClient } from '../../test/support/api.js';
import type { BenchStack, Sizes } from './harness.js';
import { latencyOf, mapLanes, runOverItems } from './load.js';
import {
  awards,
  gradeOf,
  importResults,
  putSeries,
  resultsCsv,
} from './results.js';
import {
  type BenchCentre,
  benchCentre,
  type Pupil,
  vouchAndOffer,
} from './setup.js';
import { atLeast, below, exactly, type Row, row } from './table.js';
import { claimsOf, redeem, refresh, scan, type Wallet } from './wallet.js';

interface Linking {
  centre: BenchCentre;
  pupil: Pupil;
  serial: number;
  redeems: boolean;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function resultsDayBenchmark(
  bench: BenchStack,
  sizes: Sizes,
): Promise<Row[]> {
  const { stack } = bench;
  const call = apiClient(stack.apiUrl);
  const total = sizes.centres * sizes.studentsPerCentre;
  const redeemers = Math.round(sizes.studentsPerCentre * sizes.redeemShare);

  // Two minutes, a sixth of it locally: an unscanned code expires in 20 s.
  const centres = await mapLanes(4, Array.from({ length: sizes.centres }), () =>
    benchCentre(stack, sizes.studentsPerCentre, 2),
  );
  const seriesId = `results-day-${Date.now().toString(36)}`;
  const seriesName = `Results day ${seriesId}`;
  await putSeries(stack, seriesId, seriesName, new Date(Date.now() + 3.6e6));
  const importStarted = performance.now();
  const { matched } = await importResults(
    stack,
    seriesId,
    resultsCsv(centres, seriesName),
  );
  const importSeconds = (performance.now() - importStarted) / 1000;

  // Centre by centre in turn, so every centre links at the same time.
  const items: Linking[] = [];
  for (let serial = 0; serial < sizes.studentsPerCentre; serial++) {
    for (const centre of centres) {
      const pupil = centre.pupils[serial] as Pupil;
      items.push({ centre, pupil, serial, redeems: serial < redeemers });
    }
  }
  const wallets = new Map<Linking, Wallet>();
  const left: { centre: BenchCentre; offerId: string }[] = [];
  const linking = await runOverItems(sizes.lanes, items, async (item, time) => {
    const offer = await vouchAndOffer(
      stack.apiUrl,
      item.centre,
      item.pupil,
      time,
    );
    if (!item.redeems) {
      left.push({ centre: item.centre, offerId: offer.offerId });
      return;
    }
    const code = await scan(offer.credentialOffer);
    wallets.set(item, await redeem(stack.apiUrl, code, offer.txCode, time));
  });

  // The unscanned codes: each must expire on its own.
  const expiryDeadline = Date.now() + 90_000;
  let expired = 0;
  while (Date.now() < expiryDeadline) {
    const statuses = await mapLanes(8, left, async ({ centre, offerId }) => {
      const answer = await call(
        'GET',
        `/centres/${centre.urn}/offers/${offerId}`,
        { token: centre.issuer.token },
      );
      return answer.body?.status as string;
    });
    expired = statuses.filter((s) => s === 'expired').length;
    if (expired === left.length) break;
    await sleep(5000);
  }

  // The release, a few seconds away, then every linked wallet at once.
  const releaseAt = new Date(Date.now() + 3000);
  await putSeries(stack, seriesId, seriesName, releaseAt);
  await sleep(releaseAt.getTime() - Date.now() + 50);
  const linked = [...wallets.entries()];
  const records: (Wallet | undefined)[] = new Array(linked.length);
  const refreshed = await runOverItems(
    sizes.lanes,
    linked,
    async ([, wallet], time, index) => {
      records[index] = await refresh(stack.apiUrl, wallet, time);
    },
  );
  const rss = bench.peakRssMb();

  let wrong = 0;
  const statusEntries = new Set<string>();
  let doubled = 0;
  for (const [index, [item]] of linked.entries()) {
    const record = records[index];
    if (!record) continue;
    const claims = claimsOf(record.credential);
    const grades = new Map(claims.qualifications.map((q) => [q.qan, q.grade]));
    const own =
      claims.given_name === item.pupil.forename &&
      claims.family_name === item.pupil.surname &&
      claims.birthdate === item.pupil.dateOfBirth &&
      grades.size === awards.length &&
      awards.every((a, n) => grades.get(a.qan) === gradeOf(item.serial, n));
    if (!own) wrong++;
    const entry = `${claims.status.status_list.uri}#${claims.status.status_list.idx}`;
    if (statusEntries.has(entry)) doubled++;
    statusEntries.add(entry);
  }

  const floor = await bench.floor(sizes.lanes);
  const fl = latencyOf(floor, 'write');
  const rows: Row[] = [
    row(
      `results day: ${total} students, ${sizes.centres} centres, results ` +
        `rows matched/s (${matched})`,
      matched / importSeconds,
      '/s',
    ),
    row(
      `linking: students/s (${linked.length} redeemed, ${left.length} left)`,
      linking.perSecond,
      '/s',
      floor.perSecond,
    ),
    row(
      'linking: failed students',
      linking.errors,
      'students',
      null,
      exactly(0),
    ),
    row(
      `linking: offers left that expired (of ${left.length})`,
      expired,
      'offers',
      null,
      exactly(left.length),
    ),
  ];
  for (const kind of ['vouch', 'offer', 'token', 'nonce', 'credential']) {
    const { p99 } = latencyOf(linking, kind);
    rows.push(row(`linking: ${kind} p99 at ${sizes.lanes}`, p99, 'ms', fl.p99));
  }
  rows.push(
    row(
      `release: ${linked.length} wallets refreshed in`,
      refreshed.seconds,
      's',
      null,
      below(60),
    ),
    row(
      `release: refreshes/s at ${sizes.lanes}`,
      refreshed.perSecond,
      '/s',
      floor.perSecond,
      atLeast(0.2),
    ),
    row(
      'release: failed refreshes',
      refreshed.errors,
      'wallets',
      null,
      exactly(0),
    ),
    row('release: records not their own', wrong, 'wallets', null, exactly(0)),
    row(
      'release: status entries doubled',
      doubled,
      'entries',
      null,
      exactly(0),
    ),
  );
  for (const kind of ['refresh token', 'nonce', 'credential']) {
    const { p50, p99 } = latencyOf(refreshed, kind);
    rows.push(
      row(`release: ${kind} p50`, p50, 'ms', fl.p50),
      row(`release: ${kind} p99`, p99, 'ms', fl.p99),
    );
  }
  rows.push(
    row('peak RSS: API and Step Functions process', rss.stack, 'MB'),
    row('peak RSS: DynamoDB Local and cognito-local', rss.children, 'MB'),
  );
  for (const failure of [linking.firstError, refreshed.firstError]) {
    if (failure) console.log(`  results day: first failure: ${failure}`);
  }
  return rows;
}
