import { describe, expect, it } from 'vitest';
import type { Student } from '../../functions/domain/types.js';
import { keys } from '../../functions/lib/keys.js';
import { getEntity } from '../../functions/lib/table.js';
import { type Answer, apiClient, sampleFile } from '../support/api.js';
import { inLanes } from '../support/http-wallet.js';
import { issuingCentre, vouchFor } from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { tableDeps } from '../support/table-deps.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);
const deps = tableDeps(stack);

/** The sample roster with every other student of 11A moved to 11Z. */
function rosterMoving(upns: Set<string>): string {
  return sampleFile('oakfield', 'roster.csv')
    .toString('utf8')
    .split('\r\n')
    .map((line) => {
      const upn = line.split(',')[1] ?? '';
      return upns.has(upn) ? line.replace(/,11A$/, ',11Z') : line;
    })
    .join('\r\n');
}

describe('a roster import while staff vouch', () => {
  it('loses neither the import nor any offer, and answers no 5xx', async () => {
    const centre = await issuingCentre(stack);
    const pupils = centre.form11a as ((typeof centre.form11a)[number] & {
      upn: string;
    })[];
    const moving = new Set(
      pupils.filter((_, i) => i % 2 === 0).map((p) => p.upn),
    );
    const answers: Answer[] = [];
    const offered = new Map<string, string>();

    const importing = call('POST', `/centres/${centre.urn}/students/import`, {
      token: centre.admin.token,
      csv: rosterMoving(moving),
    });
    const vouching = inLanes(pupils, 6, async (pupil) => {
      const vouch = await call(
        'POST',
        `/centres/${centre.urn}/students/${pupil.studentId}/vouches`,
        { token: centre.tutor.token, json: vouchFor(pupil.studentId) },
      );
      answers.push(vouch);
      if (vouch.status !== 201) return;
      const offer = await call(
        'POST',
        `/centres/${centre.urn}/vouches/${vouch.body.vouchId}/offers`,
        { token: centre.tutor.token },
      );
      answers.push(offer);
      if (offer.status === 201)
        offered.set(pupil.studentId, offer.body.offerId);
    });
    const [imported] = await Promise.all([importing, vouching]);

    expect(imported.status, imported.text).toBe(200);
    for (const answer of answers) {
      expect([201, 403], answer.text).toContain(answer.status);
      if (answer.status === 403) {
        expect(answer.body.error.code).toBe('NOT_IN_STUDENT_GROUPS');
      }
    }
    // Students who stayed in 11A were never refused.
    expect(offered.size).toBeGreaterThanOrEqual(pupils.length - moving.size);
    for (const pupil of pupils) {
      const student = await getEntity<Student>(
        deps.db,
        deps.config.TABLE_NAME,
        keys.student(centre.urn, pupil.studentId),
      );
      const form = moving.has(pupil.upn) ? '11Z' : '11A';
      expect([pupil.upn, student?.form]).toEqual([pupil.upn, form]);
      expect(student?.groupIds.includes(centre.groups.get('11A') ?? '')).toBe(
        form === '11A',
      );
      expect(student?.latestOfferId).toBe(offered.get(pupil.studentId));
    }
  }, 120_000);
});
