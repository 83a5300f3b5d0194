import { describe, expect, it } from 'vitest';
import { apiClient } from '../support/api.js';
import {
  englishLanguage,
  importSeriesResults,
  newCohort,
  newSeries,
  resultsCsv,
} from '../support/cohort.js';
import {
  disclosedClaims,
  inLanes,
  linkWallet,
  refreshWallet,
} from '../support/http-wallet.js';
import { vouchAndOffer } from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { operatorToken } from '../support/scenario.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

/** How many wallets refresh at once; `BURST_WALLETS` changes it. */
const wallets = Number(process.env.BURST_WALLETS ?? 2000);

const mathematics = (grade: string) => ({
  qan: '601/4700/3',
  title: 'GCSE (9-1) in Mathematics',
  subject: 'Mathematics',
  grade,
});
const gradeOf = (i: number, n: number) => String(((i * n) % 9) + 1);

describe('the 11:00 burst', () => {
  it(`gives each of ${wallets} wallets at the release its own results, none early`, async () => {
    const cohort = await newCohort(stack, wallets);
    const series = await newSeries(stack, new Date(Date.now() + 3_600_000));
    const imported = await importSeriesResults(
      stack,
      series.seriesId,
      resultsCsv(cohort, series.name, (_, i) => [
        englishLanguage(gradeOf(i, 1)),
        mathematics(gradeOf(i, 7)),
      ]),
    );
    expect(imported.matched).toBe(2 * wallets);

    // Linked during the year: vouched, offered and redeemed.
    let linked = await inLanes(cohort.pupils, 8, async (pupil) => {
      const offer = await vouchAndOffer(
        stack,
        cohort.urn,
        cohort.issuer.token,
        pupil.studentId,
      );
      return linkWallet(stack.apiUrl, offer.credentialOffer, offer.txCode);
    });
    for (const wallet of linked) {
      expect(disclosedClaims(wallet.credential).qualifications).toEqual([]);
    }

    // Results day: the operator fixes the release a few seconds away.
    const release = new Date(Date.now() + 8000);
    const moved = await call('PUT', `/series/${series.seriesId}`, {
      token: await operatorToken(stack),
      json: { name: series.name, releaseAt: release.toISOString() },
    });
    expect(moved.status).toBe(200);

    const early = await inLanes(linked.slice(0, 20), 20, (w) =>
      refreshWallet(stack.apiUrl, w),
    );
    expect(Date.now()).toBeLessThan(release.getTime());
    linked = [...early, ...linked.slice(20)];
    for (const wallet of early) {
      expect(disclosedClaims(wallet.credential).qualifications).toEqual([]);
    }

    await new Promise((r) => setTimeout(r, release.getTime() - Date.now()));
    const refreshed = await inLanes(linked, 64, (w) =>
      refreshWallet(stack.apiUrl, w),
    );

    const seen = new Set<string>();
    for (const [i, wallet] of refreshed.entries()) {
      const pupil = cohort.pupils[i];
      const record = disclosedClaims(wallet.credential);
      expect(record).toMatchObject({
        given_name: pupil?.forename,
        family_name: pupil?.surname,
        birthdate: pupil?.dateOfBirth,
      });
      const grades = Object.fromEntries(
        record.qualifications.map((q) => [q.qan, q.grade]),
      );
      expect(grades).toEqual({
        '601/4292/3': gradeOf(i, 1),
        '601/4700/3': gradeOf(i, 7),
      });
      const index = `${record.status.status_list.uri}#${record.status.status_list.idx}`;
      expect(seen.has(index)).toBe(false);
      seen.add(index);
    }
  }, 600_000);
});
