import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRoster } from '../../functions/imports/roster.js';
import { apiClient, sampleFile } from '../support/api.js';
import { linkWallet } from '../support/http-wallet.js';
import {
  type IssuingCentre,
  issuingCentre,
  vouchAndOffer,
} from '../support/issuing.js';
import { useLocalStack } from '../support/local-stack.js';
import { operatorToken, outsider, uniqueEmail } from '../support/scenario.js';
import { setPasswordAndSignIn } from '../support/staff-auth.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);
const roster = parseRoster(
  sampleFile('oakfield', 'roster.csv').toString('utf8'),
).rows;

/** Secrets the flow below saw: none may reach a log. */
const secrets: string[] = [];

describe('the helpdesk', () => {
  let operator: string;
  let helpdesk: string;
  let helpdeskId: string;
  let centre: IssuingCentre;
  let delivered: { offerId: string; studentId: string };
  const started = new Date(Date.now() - 1000).toISOString();

  beforeAll(async () => {
    operator = await operatorToken(stack);
    const email = uniqueEmail('helpdesk');
    const created = await call('POST', '/admin/helpdesk-staff', {
      token: operator,
      json: { email, givenName: 'Hana', familyName: 'Desk' },
    });
    expect(created.status, created.text).toBe(201);
    helpdeskId = created.body.staffId;
    const again = await call('POST', '/admin/helpdesk-staff', {
      token: operator,
      json: { email, givenName: 'Hana', familyName: 'Desk' },
    });
    expect(again.status, again.text).toBe(200);
    expect(again.body.staffId).toBe(helpdeskId);
    helpdesk = await setPasswordAndSignIn(stack, email);

    centre = await issuingCentre(stack);
    const student = centre.form11a[0];
    if (!student) throw new Error('11A is empty');
    const offer = await vouchAndOffer(
      stack,
      centre.urn,
      centre.tutor.token,
      student.studentId,
    );
    const wallet = await linkWallet(
      stack.apiUrl,
      offer.credentialOffer,
      offer.txCode,
    );
    secrets.push(
      offer.txCode,
      offer.credentialOffer,
      wallet.accessToken,
      wallet.refreshToken,
      helpdesk,
      centre.tutor.token,
    );
    delivered = { offerId: offer.offerId, studentId: student.studentId };
  }, 120_000);

  it('finds a student of the region by ULN, by UPN and by name and birth date', async () => {
    const row = roster.find((r) => r.uln);
    if (!row) throw new Error('no ULN in the sample roster');
    const bodies = [
      { uln: row.uln },
      { upn: row.upn.toLowerCase() },
      {
        familyName: row.legalSurname.toUpperCase(),
        dateOfBirth: row.dateOfBirth,
      },
    ];

    for (const json of bodies) {
      const found = await call('POST', '/admin/students/search', {
        token: helpdesk,
        json,
      });

      expect(found.status, found.text).toBe(200);
      expect(found.body.items).toContainEqual(
        expect.objectContaining({
          urn: centre.urn,
          familyName: row.legalSurname,
        }),
      );
    }
  });

  it('refuses a search of any other shape', async () => {
    const refused = await call('POST', '/admin/students/search', {
      token: helpdesk,
      json: { familyName: 'Müller' },
    });

    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('SEARCH_SHAPE');
  });

  it('shows an offer and its fate, without its secrets', async () => {
    const offer = await call('GET', `/admin/offers/${delivered.offerId}`, {
      token: helpdesk,
    });

    expect(offer.status, offer.text).toBe(200);
    expect(offer.body).toMatchObject({
      status: 'delivered',
      fate: 'delivered',
    });
    expect(offer.body).not.toHaveProperty('codeHash');
    expect(offer.body).not.toHaveProperty('txCodeHash');
  });

  it("shows a student's trail: vouch, offer, chain and helpdesk calls", async () => {
    const path = `/admin/students/${delivered.studentId}/trail`;
    // The first call is audited once answered; the second shows it.
    await call('GET', path, { token: helpdesk });
    const trail = await call(
      'GET',
      `/admin/students/${delivered.studentId}/trail`,
      { token: helpdesk },
    );

    expect(trail.status, trail.text).toBe(200);
    expect(trail.body.student.studentId).toBe(delivered.studentId);
    expect(trail.body.vouches).toHaveLength(1);
    expect(trail.body.offers).toContainEqual(
      expect.objectContaining({
        offerId: delivered.offerId,
        fate: 'delivered',
      }),
    );
    expect(trail.body.chains).toHaveLength(1);
    expect(trail.body.chains[0]).not.toHaveProperty('refreshHash');
    // The call just made is audited under the student.
    expect(trail.body.audit).toContainEqual(
      expect.objectContaining({
        action: 'helpdesk-call',
        actor: helpdeskId,
        detail: expect.objectContaining({
          route: '/admin/students/{studentId}/trail',
        }),
      }),
    );
  });

  it("lists a centre's requests from the local log file", async () => {
    const to = new Date(Date.now() + 1000).toISOString();
    const activity = await call(
      'GET',
      `/admin/activity?centre=${centre.urn}&from=${started}&to=${to}`,
      { token: helpdesk },
    );

    expect(activity.status, activity.text).toBe(200);
    expect(activity.body.centre).toBe(centre.urn);
    expect(activity.body.items).toContainEqual(
      expect.objectContaining({
        route: '/centres/{urn}/vouches/{vouchId}/offers',
        method: 'POST',
        status: 201,
      }),
    );
  });

  it('refuses an activity query that is not what it should be', async () => {
    const refused = await call(
      'GET',
      `/admin/activity?centre=${encodeURIComponent('1" or 1=1')}&from=${started}&to=${started}`,
      { token: helpdesk },
    );

    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_CENTRE');
  });

  it('counts offers created and records delivered from the EMF lines', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const metrics = await call(
      'GET',
      `/admin/metrics?from=${started}&to=${to}&period=60`,
      { token: helpdesk },
    );
    const total = (name: string) =>
      metrics.body.series
        .filter((s: { name: string }) => s.name === name)
        .flatMap((s: { values: number[] }) => s.values)
        .reduce((a: number, b: number) => a + b, 0);

    expect(metrics.status, metrics.text).toBe(200);
    expect(total('OffersCreated')).toBeGreaterThanOrEqual(1);
    expect(total('OffersRedeemed')).toBeGreaterThanOrEqual(1);
    expect(total('RecordsDelivered')).toBeGreaterThanOrEqual(1);
  });

  describe('refuses', () => {
    it('a call with no token', async () => {
      const answer = await call('GET', `/admin/offers/${delivered.offerId}`);

      expect(answer.status).toBe(401);
    });

    it("a centre's staff", async () => {
      const answer = await call('GET', `/admin/offers/${delivered.offerId}`, {
        token: centre.admin.token,
      });

      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('HELPDESK_ONLY');
    });

    it('the operator, who is not the helpdesk', async () => {
      const answer = await call('GET', `/admin/offers/${delivered.offerId}`, {
        token: operator,
      });

      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('HELPDESK_ONLY');
    });

    it('the helpdesk creating helpdesk accounts', async () => {
      const answer = await call('POST', '/admin/helpdesk-staff', {
        token: helpdesk,
        json: { email: uniqueEmail('nope'), givenName: 'N', familyName: 'O' },
      });

      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('OPERATOR_ONLY');
    });

    it('a removed helpdesk account at once, token and all', async () => {
      const email = uniqueEmail('leaver');
      const made = await call('POST', '/admin/helpdesk-staff', {
        token: operator,
        json: { email, givenName: 'Lee', familyName: 'Ver' },
      });
      const token = await setPasswordAndSignIn(stack, email);
      const before = await call('GET', `/admin/offers/${delivered.offerId}`, {
        token,
      });

      const removed = await call(
        'DELETE',
        `/admin/helpdesk-staff/${made.body.staffId}`,
        { token: operator },
      );
      const after = await call('GET', `/admin/offers/${delivered.offerId}`, {
        token,
      });

      expect(before.status).toBe(200);
      expect(removed.status, removed.text).toBe(200);
      expect(removed.body.enabled).toBe(false);
      expect(after.status).toBe(403);
    });

    it('a sign-in of a centre as a helpdesk account', async () => {
      const answer = await call('POST', '/admin/helpdesk-staff', {
        token: operator,
        json: {
          email: centre.tutor.email,
          givenName: 'Tutor',
          familyName: 'Eleven',
        },
      });

      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('SIGN_IN_NOT_FOR_HELPDESK');
    });
  });

  it('is a sign-in with no centre of its own', async () => {
    const stranger = await outsider(stack, ['helpdesk']);
    const answer = await call('GET', `/centres/${centre.urn}/students`, {
      token: stranger,
    });

    expect(answer.status).toBe(404);
  });
});

/**
 * The personal values of the sample roster as they could be written:
 * names, dates of birth (ISO and UK), ULNs, UPNs and UCIs.
 */
function personalValues(): { kind: string; value: string }[] {
  const values: { kind: string; value: string }[] = [];
  for (const row of roster) {
    const [y, m, d] = row.dateOfBirth.split('-');
    values.push(
      { kind: 'upn', value: row.upn },
      { kind: 'dateOfBirth', value: row.dateOfBirth },
      { kind: 'dateOfBirth', value: `${d}/${m}/${y}` },
      { kind: 'legalSurname', value: row.legalSurname },
      { kind: 'legalForename', value: row.legalForename },
    );
    if (row.uln) values.push({ kind: 'uln', value: row.uln });
    if (row.uci) values.push({ kind: 'uci', value: row.uci });
    if (row.preferredForename) {
      values.push({ kind: 'preferredForename', value: row.preferredForename });
    }
  }
  const staff = sampleFile('oakfield', 'staff.csv').toString('utf8');
  for (const email of staff.match(/[^\s,]+@[^\s,]+/g) ?? []) {
    values.push({ kind: 'email', value: email });
  }
  // Short names would be found inside ordinary words and ids.
  return values.filter((v) => v.value.length >= 4);
}

/** Every string in a parsed log line, with the key that holds it. */
function stringsOf(value: unknown, key = ''): { key: string; text: string }[] {
  if (typeof value === 'string') return [{ key, text: value }];
  if (Array.isArray(value)) return value.flatMap((v) => stringsOf(v, key));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      stringsOf(v, key ? `${key}.${k}` : k),
    );
  }
  return [];
}

/** Runs of the characters that names, dates, ids and addresses hold. */
const tokenPattern = /[\p{L}\p{N}@._%+'\u2019/-]+/gu;

const tokensOf = (text: string) =>
  (text.match(tokenPattern) ?? []).map((t) =>
    t.replace(/\.+$/, '').toLowerCase(),
  );

/**
 * The personal values, by their first word: a line's words are looked up
 * here, and a value of several words matches only the same words in a row.
 */
function valueIndex() {
  const index = new Map<string, { kind: string; words: string[] }[]>();
  for (const { kind, value } of personalValues()) {
    const words = tokensOf(value);
    const first = words[0];
    if (!first) continue;
    index.set(first, [...(index.get(first) ?? []), { kind, words }]);
  }
  return index;
}

/** The kinds of personal value a text holds. */
function personalKindsIn(
  text: string,
  index: ReturnType<typeof valueIndex>,
): string[] {
  const words = tokensOf(text);
  const kinds: string[] = [];
  words.forEach((word, i) => {
    for (const value of index.get(word) ?? []) {
      if (value.words.every((w, k) => words[i + k] === w)) {
        kinds.push(value.kind);
      }
    }
  });
  return kinds;
}

describe('the logs of a full run', () => {
  it('hold no personal data, code or token of the sample data', () => {
    const logDir = dirname(stack.logFile);
    const files = readdirSync(logDir).filter(
      // The emulators' own logs are not the product's: in AWS, Cognito and
      // DynamoDB keep theirs.
      (f) => !['cognito.log', 'dynamodb.log'].includes(f),
    );
    const index = valueIndex();
    // A six-digit tx_code is looked for as a word of its own, not inside
    // every longer number; tokens and URIs anywhere in a string.
    const shortSecrets = new Set(
      secrets.filter((s) => s.length < 16).map((s) => s.toLowerCase()),
    );
    const longSecrets = secrets.filter((s) => s.length >= 16);
    const kindsIn = (text: string) => [
      ...personalKindsIn(text, index),
      ...tokensOf(text)
        .filter((t) => shortSecrets.has(t))
        .map(() => 'secret'),
      ...longSecrets.filter((s) => text.includes(s)).map(() => 'secret'),
    ];
    const findings: string[] = [];

    expect(index.size).toBeGreaterThan(100);
    // The scan itself finds what it looks for, in a line of the logs' shape.
    const sample = roster.find((r) => r.legalSurname.length >= 4);
    expect(
      kindsIn(JSON.stringify({ message: 'x', name: sample?.legalSurname })),
    ).toContain('legalSurname');
    expect(kindsIn(`{"dob":"${sample?.dateOfBirth}"}`)).toContain(
      'dateOfBirth',
    );
    expect(files).toEqual(
      expect.arrayContaining([
        'api.log',
        'functions.log',
        'step-functions.log',
      ]),
    );
    for (const file of files) {
      const lines = readFileSync(join(logDir, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        // The whole line first: a closer look only where something is.
        if (kindsIn(line).length === 0) return;
        let parsed: unknown = line;
        try {
          parsed = JSON.parse(line);
        } catch {
          // Plain text lines (the stack's own output) are looked at whole.
        }
        for (const { key, text } of stringsOf(parsed)) {
          for (const kind of kindsIn(text)) {
            findings.push(
              `${file}:${i + 1} ${key || '(line)'} holds a ${kind}`,
            );
          }
        }
      });
    }

    expect(findings).toEqual([]);
  }, 120_000);
});
