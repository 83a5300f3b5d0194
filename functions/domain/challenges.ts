/**
 * Challenged qualifications: while a report on a qualification is
 * unresolved, the student's prepared record holds one element for it in
 * its `challenges` string set, `<qualification key>#<reportId>`, added
 * and removed atomically with the report's own writes. Issuing reads the
 * record anyway, so marking costs the credential endpoint nothing.
 */
import { stableId } from '../lib/ids.js';
import type { ReportedQualification } from './report-types.js';

/**
 * A qualification as challenge sets name it: QAN and subject, hashed. Both
 * are compared as a person would type them: letter case, spacing and
 * compatibility forms do not matter ("english  language" is "English
 * Language"; a QAN's slashes may be left out).
 */
export const qualificationKey = (q: ReportedQualification) =>
  stableId(
    q.qan.normalize('NFKC').replace(/[\s/]/g, '').toUpperCase(),
    q.subject.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase(),
  );

/** The report's element of its student's challenge set. */
export const challengeOf = (reportId: string, q?: ReportedQualification) =>
  q ? `${qualificationKey(q)}#${reportId}` : undefined;

/** The qualifications a record's challenge set marks. */
export function challengedKeys(
  challenges: readonly string[] | undefined,
): Set<string> {
  return new Set((challenges ?? []).map((c) => c.split('#')[0] ?? ''));
}

/** Marks each challenged qualification `underDataChallenge: true`. */
export function markChallenged<T extends ReportedQualification>(
  qualifications: readonly T[],
  challenges: readonly string[] | undefined,
): (T & { underDataChallenge?: true })[] {
  const challenged = challengedKeys(challenges);
  return qualifications.map((q) =>
    challenged.has(qualificationKey(q))
      ? { ...q, underDataChallenge: true as const }
      : q,
  );
}
