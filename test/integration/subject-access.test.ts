import { beforeAll, describe, expect, it } from 'vitest';
import { studentItems } from '../../functions/domain/student-data.js';
import { newId } from '../../functions/lib/ids.js';
import { apiClient } from '../support/api.js';
import {
  type LinkedWallet,
  linkWallet,
  refreshWallet,
} from '../support/http-wallet.js';
import {
  type IssuingCentre,
  issuingCentre,
  vouchAndOffer,
} from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { operatorToken } from '../support/scenario.js';
import { tableDeps } from '../support/table-deps.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);
const deps = tableDeps(stack);

const secretNames = [
  'refHash',
  'codeHash',
  'txCodeHash',
  'refreshHash',
  'previousRefreshHash',
  'accessHash',
];

/** The https address inside an `openid-credential-offer://` URI. */
const offerUrl = (credentialOffer: string) =>
  new URL(credentialOffer).searchParams.get('credential_offer_uri') ?? '';

describe('subject access', () => {
  let centre: IssuingCentre;
  let operator: string;
  let student: IssuingCentre['form11a'][number];
  let wallet: LinkedWallet;
  let live: Awaited<ReturnType<typeof vouchAndOffer>>;

  beforeAll(async () => {
    centre = await issuingCentre(stack);
    operator = await operatorToken(stack);
    student = centre.form11a[5] as typeof student;
    const first = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student.studentId,
    );
    wallet = await linkWallet(
      stack.apiUrl,
      first.credentialOffer,
      first.txCode,
    );
    live = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student.studentId,
    );
  });

  it('exports everything held about a student to the operator, no secret hashes, and audits it', async () => {
    const path = `/admin/students/${student.studentId}/export`;

    const exported = await call('GET', path, { token: operator });
    const again = await call('GET', path, { token: operator });

    expect(exported.status, exported.text).toBe(200);
    expect(exported.body).toMatchObject({
      studentId: student.studentId,
      urn: centre.urn,
      student: {
        studentId: student.studentId,
        legalSurname: student.legalSurname,
        status: 'on-roll',
      },
      groups: expect.arrayContaining([
        expect.objectContaining({ name: '11A', kind: 'form' }),
      ]),
      record: null,
    });
    expect(exported.body.vouches).toHaveLength(2);
    expect(
      exported.body.offers.map((o: { status: string }) => o.status).sort(),
    ).toEqual(['delivered', 'issued']);
    expect(exported.body.chains).toHaveLength(1);
    for (const name of secretNames) {
      expect(exported.text).not.toContain(`"${name}"`);
    }
    expect(exported.text).not.toContain(live.txCode);
    expect(again.body.audit.map((a: { action: string }) => a.action)).toContain(
      'subject-access-export',
    );
  });

  it('erases a student: live offer and chain revoked first, then every item but the audit trail', async () => {
    const path = `/admin/students/${student.studentId}`;

    const erased = await call('DELETE', path, { token: operator });
    const refresh = await refreshWallet(stack.apiUrl, wallet).then(
      () => 'refreshed',
      (error: Error) => error.message,
    );
    const offer = await fetch(offerUrl(live.credentialOffer));
    const exported = await call('GET', `${path}/export`, { token: operator });
    const second = await call('DELETE', path, { token: operator });
    const left = await studentItems(deps, centre.urn, student.studentId);

    expect(erased.status, erased.text).toBe(200);
    expect(erased.body).toMatchObject({
      studentId: student.studentId,
      status: 'erased',
      offersRevoked: 1,
      chainsRevoked: 1,
    });
    expect(refresh).toContain('invalid_grant');
    expect(offer.status).toBe(404);
    expect(exported.status).toBe(404);
    expect(second.status).toBe(404);
    expect(second.body.error.code).toBe('NOT_FOUND');
    expect(left.student).toBeUndefined();
    expect(new Set(left.items.map((i) => i.type))).toEqual(new Set(['audit']));
    const erasure = left.items.find((i) => i.action === 'student-erased');
    expect(erasure).toMatchObject({
      subject: { urn: centre.urn, studentId: student.studentId },
    });
    expect(JSON.stringify(erasure)).not.toContain(student.legalSurname);
  });

  it('answers 404 for a student nobody holds', async () => {
    const answer = await call('GET', `/admin/students/${newId()}/export`, {
      token: operator,
    });

    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('NOT_FOUND');
  });
});
