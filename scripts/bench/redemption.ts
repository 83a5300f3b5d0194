/**
 * Offer creation and redemption under load, at each number of
 * connections, against the floor at the same number: offers are made by
 * vouching (timed as offer creation), scanned untimed, then redeemed
 * (token, nonce, credential with DPoP) as fast as the lanes go.
 */
import type { BenchStack, Sizes } from './harness.js';
import { latencyOf, runOverItems } from './load.js';
import { benchCentre, type MadeOffer, vouchAndOffer } from './setup.js';
import { atLeast, below, type Row, row } from './table.js';
import { redeem, scan } from './wallet.js';

export async function redemptionBenchmark(
  bench: BenchStack,
  sizes: Sizes,
): Promise<Row[]> {
  const apiUrl = bench.stack.apiUrl;
  const rows: Row[] = [];
  for (const connections of sizes.connections) {
    const students = sizes.loadStudents[connections] ?? 100;
    // Thirty minutes, a sixth of it locally: every offer outlives its level.
    const centre = await benchCentre(bench.stack, students, 30);
    const floor = await bench.floor(connections);
    const fw = floor.perSecond;
    const floorLatency = latencyOf(floor, 'write');
    const at = `at ${connections}`;

    const offers: MadeOffer[] = [];
    const codes: { code: string; offer: MadeOffer }[] = [];
    const made = await runOverItems(
      connections,
      centre.pupils,
      async (pupil, time) => {
        offers.push(await vouchAndOffer(apiUrl, centre, pupil, time));
      },
      { deadlineSeconds: sizes.levelSeconds },
    );
    const scanned = (
      await runOverItems(8, offers, async (offer) => {
        codes.push({ code: await scan(offer.credentialOffer), offer });
      })
    ).done;
    const redeemed = await runOverItems(connections, codes, async (c, time) => {
      await redeem(apiUrl, c.code, c.offer.txCode, time);
    });

    rows.push(
      row(`floor writes/s ${at}`, fw, '/s'),
      row(
        `offers made/s ${at} (errors ${made.errors})`,
        made.perSecond,
        '/s',
        fw,
      ),
      row(
        `redemptions/s ${at} (of ${scanned}, errors ${redeemed.errors})`,
        redeemed.perSecond,
        '/s',
        fw,
        atLeast(0.3),
      ),
    );
    const kinds: [string, typeof made][] = [
      ['vouch', made],
      ['offer', made],
      ['token', redeemed],
      ['nonce', redeemed],
      ['credential', redeemed],
    ];
    for (const [kind, result] of kinds) {
      const { p50, p99 } = latencyOf(result, kind);
      rows.push(
        row(`${kind} p50 ${at}`, p50, 'ms', floorLatency.p50),
        row(
          `${kind} p99 ${at}`,
          p99,
          'ms',
          floorLatency.p99,
          connections === 10 ? below(50) : null,
        ),
      );
    }
    for (const failure of [made.firstError, redeemed.firstError]) {
      if (failure) console.log(`  ${at}: first failure: ${failure}`);
    }
  }
  return rows;
}
