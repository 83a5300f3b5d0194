import { beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api.js';
import {
  type Cohort,
  englishLanguage,
  importSeriesResults,
  newCohort,
  newSeries,
  resultsCsv,
} from '../support/cohort.js';
import {
  disclosedClaims,
  type LinkedWallet,
  linkWallet,
  refreshWallet,
} from '../support/http-wallet.js';
import { vouchAndOffer } from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { present } from '../support/reports.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);

type Qualification = { qan: string; underDataChallenge?: boolean };
const qualificationsOf = (wallet: LinkedWallet) =>
  disclosedClaims(wallet.credential).qualifications as Qualification[];

/**
 * A report on a qualification marks it in every record issued while the
 * report is unresolved; the credential already in the wallet stays as it
 * was, and a refresh after the resolution drops the mark.
 */
describe('a qualification under data challenge', () => {
  let cohort: Cohort;
  let wallet: LinkedWallet;
  const english = englishLanguage('6');

  beforeAll(async () => {
    cohort = await newCohort(stack, 1);
    const pupil = cohort.pupils[0];
    if (!pupil) throw new Error('the cohort is empty');
    const series = await newSeries(stack, new Date(Date.now() - 60_000));
    await importSeriesResults(
      stack,
      series.seriesId,
      resultsCsv(cohort, series.name, () => [english]),
    );
    const offer = await vouchAndOffer(
      stack,
      cohort.urn,
      cohort.issuer.token,
      pupil.studentId,
    );
    wallet = await linkWallet(
      stack.apiUrl,
      offer.credentialOffer,
      offer.txCode,
    );
  });

  it('is marked in the refreshed record while its report is open, and unmarked once resolved', async () => {
    const before = qualificationsOf(wallet);
    const { presentation } = await present(stack.apiUrl, wallet);
    const opened = await call('POST', '/record-errors', {
      json: {
        presentation,
        kind: 'wrong-grade',
        qualification: { qan: english.qan, subject: english.subject },
        details: 'My English Language grade should be a 7.',
      },
    });
    expect(opened.status, opened.text).toBe(202);

    const challenged = await refreshWallet(stack.apiUrl, wallet);
    const resolved = await call(
      'POST',
      `/centres/${cohort.urn}/error-reports/${opened.body.reportId}/resolve`,
      {
        token: cohort.admin.token,
        json: { outcome: 'no-error-found', note: 'The board confirms 6.' },
      },
    );
    expect(resolved.status, resolved.text).toBe(200);
    const cleared = await refreshWallet(stack.apiUrl, challenged);
    wallet = cleared;

    expect(before).toEqual([
      expect.not.objectContaining({ underDataChallenge: true }),
    ]);
    expect(qualificationsOf(challenged)).toEqual([
      expect.objectContaining({ qan: english.qan, underDataChallenge: true }),
    ]);
    expect(qualificationsOf(cleared)).toEqual([
      expect.not.objectContaining({ underDataChallenge: true }),
    ]);
  });

  it('leaves the qualifications no report names unmarked', async () => {
    const { presentation } = await present(stack.apiUrl, wallet);
    const opened = await call('POST', '/record-errors', {
      json: {
        presentation,
        kind: 'missing-qualification',
        qualification: { qan: '601/8117/5', subject: 'Statistics' },
        details: 'My Statistics GCSE is not on my record.',
      },
    });
    expect(opened.status, opened.text).toBe(202);

    const refreshed = await refreshWallet(stack.apiUrl, wallet);

    expect(qualificationsOf(refreshed)).toEqual([
      expect.not.objectContaining({ underDataChallenge: true }),
    ]);
  });
});
