/** A results file for bench centres, as the awarding organisations send. */
import { apiClient } from '../../test/support/api.js';
import type { LocalStackDescription } from '../../test/support/local-stack.js';
import { operatorToken } from '../../test/support/scenario.js';
import type { BenchCentre, Pupil } from './setup.js';

export const awards = [
  {
    qan: '601/4292/3',
    title: 'GCSE (9-1) in English Language',
    subject: 'English Language',
  },
  {
    qan: '601/4700/3',
    title: 'GCSE (9-1) in Mathematics',
    subject: 'Mathematics',
  },
] as const;

/** The grade a pupil gets in an award: different across neighbours. */
export const gradeOf = (serial: number, award: number) =>
  String(((serial * (award * 6 + 1)) % 9) + 1);

export function resultsCsv(
  centres: readonly BenchCentre[],
  seriesName: string,
): string {
  const header =
    'ULN,UCI,Candidate Surname,Candidate Forenames,DOB,Centre Number,' +
    'Awarding Organisation,QAN,Qualification Title,Subject,Level,Grade,' +
    'Award Date,Series';
  const lines = centres.flatMap((centre) =>
    centre.pupils.flatMap((p: Pupil, i) =>
      awards.map(
        (a, n) =>
          `${p.uln},,${p.surname},${p.forename},${p.dateOfBirth},` +
          `${centre.centreNumber},AQA,${a.qan},${a.title},${a.subject},2,` +
          `${gradeOf(i, n)},2026-08-20,${seriesName}`,
      ),
    ),
  );
  return [header, ...lines].join('\n');
}

export async function putSeries(
  stack: LocalStackDescription,
  seriesId: string,
  name: string,
  releaseAt: Date,
): Promise<void> {
  const answer = await apiClient(stack.apiUrl)('PUT', `/series/${seriesId}`, {
    token: await operatorToken(stack),
    json: { name, releaseAt: releaseAt.toISOString() },
  });
  if (answer.status >= 300) {
    throw new Error(`series answered ${answer.status}: ${answer.text}`);
  }
}

/** Imports in requests under the route's limit, as the import CLI does. */
export async function importResults(
  stack: LocalStackDescription,
  seriesId: string,
  csv: string,
): Promise<{ matched: number }> {
  const [header, ...lines] = csv.split('\n');
  const call = apiClient(stack.apiUrl);
  const token = await operatorToken(stack);
  let matched = 0;
  const perRequest = 8000;
  for (let i = 0; i < lines.length; i += perRequest) {
    const body = [header, ...lines.slice(i, i + perRequest)].join('\n');
    const answer = await call('POST', `/results/import?series=${seriesId}`, {
      token,
      csv: body,
    });
    if (answer.status !== 200) {
      throw new Error(`results answered ${answer.status}: ${answer.text}`);
    }
    matched += answer.body.matched;
  }
  return { matched };
}
