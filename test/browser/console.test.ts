import jsQR from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRoster } from '../../functions/imports/roster.js';
import { apiClient, sampleFile } from '../support/api.js';
import { launchChromium, visit } from '../support/browser.js';
import { linkWallet } from '../support/http-wallet.js';
import { useLocalStack } from '../support/local-stack.js';
import { present } from '../support/reports.js';
import { operatorToken, uniqueEmail } from '../support/scenario.js';
import { createStaffSignIn } from '../support/staff-auth.js';

const stack = useLocalStack();
const call = apiClient(stack.apiUrl);
const consoleUrl = `${stack.apiUrl}/console`;
const rosterText = sampleFile('oakfield', 'roster.csv').toString('utf8');

/** The QR code's text, read off the page's image as a camera would. */
function decodeQr(dataUrl: string): string {
  const png = PNG.sync.read(
    Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'),
  );
  const decode = jsQR as unknown as (
    data: Uint8ClampedArray,
    width: number,
    height: number,
  ) => { data: string } | null;
  const found = decode(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!found) throw new Error('the QR code on the page did not decode');

  return found.data;
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto(`${consoleUrl}/sign-in`);
  await page.fill('#email', username);
  await page.fill('#password', password);
  await page.click('button:has-text("Sign in")');
}

/** A centre made by the operator, and its admin's sign-in. */
async function centreWithAdmin() {
  const operator = await operatorToken(stack);
  for (;;) {
    const urn = String(100_000 + Math.floor(Math.random() * 899_999));
    const centreNumber = String(90_000 + Math.floor(Math.random() * 9_999));
    const made = await call('POST', '/centres', {
      token: operator,
      json: { urn, centreNumber, name: `Console Academy ${urn}` },
    });
    if (made.status === 409) continue;
    expect(made.status, made.text).toBe(201);
    const email = uniqueEmail('console-admin');
    const admin = await call('POST', `/centres/${urn}/staff`, {
      token: operator,
      json: {
        email,
        givenName: 'Helen',
        familyName: 'Marsh',
        roles: ['centre-admin'],
      },
    });
    expect(admin.status, admin.text).toBe(201);
    return { urn, admin: await createStaffSignIn(stack, { email }) };
  }
}

describe('the staff console in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('takes a centre from set-up to a record in the app, a report acknowledged and the record withdrawn', async () => {
    const { admin } = await centreWithAdmin();
    const adminPage = await (await browser.newContext()).newPage();

    await signIn(adminPage, 'nobody@test.example.org', 'Wrong-Password-1');
    await expect
      .poll(() => adminPage.textContent('.govuk-error-summary'))
      .toContain('not right');
    await visit(adminPage, 'sign-in-refused');

    await signIn(adminPage, admin.username, admin.password);
    await adminPage.waitForURL(`${consoleUrl}/students`);
    await visit(adminPage, 'my-students-empty');

    await adminPage.click('a:has-text("Centre administration")');
    await visit(adminPage, 'administration');
    await adminPage.click('a:has-text("Import the roster")');
    await adminPage.fill('#csv', rosterText);
    await adminPage.click('button:has-text("Import")');
    await expect
      .poll(() => adminPage.textContent('.govuk-notification-banner'))
      .toContain('220 created');
    expect(await adminPage.textContent('main')).toContain('Rows rejected');
    await visit(adminPage, 'roster-report');

    const tutorEmail = uniqueEmail('console-tutor');
    await adminPage.goto(`${consoleUrl}/admin/staff`);
    await adminPage.fill('#email', tutorEmail);
    await adminPage.fill('#givenName', 'Ann');
    await adminPage.fill('#familyName', 'Archer');
    await adminPage.check('input[name="roles"][value="form-tutor"]');
    await adminPage.check('input[name="dataIssuer"][value="yes"]');
    await adminPage.click('button:has-text("Add and send the invitation")');
    await expect
      .poll(() => adminPage.textContent('.govuk-notification-banner'))
      .toContain('Ann Archer is added');
    await visit(adminPage, 'staff');

    await adminPage.goto(`${consoleUrl}/admin/groups`);
    await adminPage.fill('#name', 'Console Club');
    await adminPage.click('button:has-text("Create group")');
    await adminPage.click('.govuk-notification-banner a');
    const club = parseRoster(rosterText).rows.slice(0, 3);
    await adminPage.fill('#upns', club.map((r) => r.upn).join('\n'));
    await adminPage.click('button:has-text("Add students")');
    await expect
      .poll(() => adminPage.textContent('.govuk-notification-banner'))
      .toContain('Students added');
    await adminPage.click('main table button:has-text("Remove")');
    await expect
      .poll(() => adminPage.textContent('.govuk-notification-banner'))
      .toContain('removed');
    await visit(adminPage, 'group');

    await adminPage.goto(`${consoleUrl}/admin/groups`);
    await adminPage.click('a:text-is("11A")');
    await adminPage.selectOption('#staffId', {
      label: `Ann Archer (${tutorEmail})`,
    });
    await adminPage.click('button:has-text("Assign")');
    await expect
      .poll(() => adminPage.textContent('main'))
      .toContain('Ann Archer (Form tutor)');

    const tutor = await createStaffSignIn(stack, { email: tutorEmail });
    const page = await (await browser.newContext()).newPage();
    await signIn(page, tutor.username, tutor.password);
    await page.waitForURL(`${consoleUrl}/students`);
    await visit(page, 'my-students');

    const student = parseRoster(rosterText).rows.find(
      (r) =>
        r.form === '11A' &&
        !r.preferredForename &&
        /^[A-Za-z]+$/.test(r.legalSurname + r.legalForename),
    );
    if (!student) throw new Error('no plain-named student in 11A');
    const name = `${student.legalForename} ${student.legalSurname}`;
    await page.fill('#q', student.legalSurname);
    await page.click('button:has-text("Search")');
    await page.click(`a:text-is("${name}")`);
    await visit(page, 'vouch');
    expect(await page.textContent('main')).not.toContain(student.dateOfBirth);

    await page.click('button:has-text("Confirm and show QR code")');
    await expect
      .poll(() => page.textContent('.govuk-error-summary'))
      .toContain('Enter the date of birth');
    await visit(page, 'vouch-errors');

    const [year, month, day] = student.dateOfBirth.split('-');
    await page.fill('#dob-day', day ?? '');
    await page.fill('#dob-month', month ?? '');
    await page.fill('#dob-year', year ?? '');
    await page.check('#method');
    if (await page.isVisible('#acknowledged'))
      await page.check('#acknowledged');
    await page.click('button:has-text("Confirm and show QR code")');
    await page.waitForURL(/\/console\/offers\//);
    const qr = await page.getAttribute('img.console-qr__image', 'src');
    expect(await page.isVisible('#tx-code')).toBe(false);
    await visit(page, 'qr-code');

    const credentialOffer = decodeQr(qr ?? '');
    const offerUri = new URL(credentialOffer).searchParams.get(
      'credential_offer_uri',
    );
    expect((await fetch(offerUri ?? '')).status).toBe(200);
    await page.waitForSelector('#tx-code', { timeout: 15_000 });
    expect(await page.isVisible('img.console-qr__image')).toBe(false);
    const txCode = ((await page.textContent('#tx-code')) ?? '').replace(
      /\s/g,
      '',
    );
    expect(txCode).toMatch(/^\d{6}$/);
    await visit(page, 'tx-code');

    const wallet = await linkWallet(stack.apiUrl, credentialOffer, txCode);
    await page.waitForSelector('h1:has-text("Added to the app")', {
      timeout: 15_000,
    });
    await visit(page, 'added-to-the-app');
    const offerPage = page.url();

    const { presentation } = await present(stack.apiUrl, wallet);
    const reported = await call('POST', '/record-errors', {
      json: {
        presentation,
        kind: 'wrong-personal-details',
        details: 'My surname is <b>Smyth</b>, not Smith.',
      },
    });
    expect(reported.status, reported.text).toBe(202);
    await expect
      .poll(
        async () => {
          await page.goto(`${consoleUrl}/reports`);
          return page.textContent('main');
        },
        { timeout: 20_000, interval: 500 },
      )
      .toContain('Personal details are wrong');
    await visit(page, 'my-reports');
    await page.click('a:has-text("Personal details are wrong")');
    expect(await page.textContent('main')).toContain(
      'My surname is <b>Smyth</b>, not Smith.',
    );
    await page.click('button:has-text("Acknowledge")');
    await expect
      .poll(() => page.textContent('.govuk-notification-banner'))
      .toContain('You have acknowledged the report');
    expect(await page.textContent('.govuk-summary-list')).toContain(
      'Acknowledged',
    );
    await visit(page, 'report');

    // The slip undone: the record went to the wrong student.
    await page.goto(offerPage);
    await page.click(
      'summary:has-text("This record went to the wrong student")',
    );
    await page.fill('#reason', 'The wrong student scanned it');
    await page.click('button:has-text("Withdraw the record")');
    await page.waitForSelector('text=This code was cancelled');
    await visit(page, 'record-withdrawn');
    const afterWithdrawal = await call('POST', '/record-errors', {
      json: {
        presentation: (await present(stack.apiUrl, wallet)).presentation,
        kind: 'other',
        details: 'Is my record still there?',
      },
    });
    expect(afterWithdrawal.body.error.code).toBe('RECORD_WITHDRAWN');

    const held = await page.context().cookies();
    await page.click('button:has-text("Sign out")');
    await page.waitForURL(`${consoleUrl}/signed-out`);
    await visit(page, 'signed-out');
    await page.goto(`${consoleUrl}/students`);
    expect(page.url()).toBe(`${consoleUrl}/sign-in`);

    // The cookie of the session that ended, sent again: the page says so.
    await page.context().addCookies(held);
    await page.goto(`${consoleUrl}/students`);
    expect(await page.textContent('h1')).toBe('Your session has ended');
    await visit(page, 'session-ended');
  });

  it('refuses a form without its CSRF token, caches no page and sends the CSP with pages and assets', async () => {
    const { admin } = await centreWithAdmin();
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, admin.username, admin.password);
    await page.waitForURL(`${consoleUrl}/students`);

    const forged = await context.request.post(`${consoleUrl}/admin/policy`, {
      form: { examsOfficerMayVouch: 'yes', offerLifetimeMinutes: '30' },
      maxRedirects: 0,
    });
    const wrong = await context.request.post(`${consoleUrl}/admin/policy`, {
      form: {
        csrfToken: 'A'.repeat(43),
        examsOfficerMayVouch: 'yes',
        offerLifetimeMinutes: '30',
      },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(wrong.status()).toBe(403);
    expect(await forged.text()).toContain('This form can no longer be sent');
    await page.goto(`${consoleUrl}/admin/policy`);
    expect(await page.inputValue('#offerLifetimeMinutes')).toBe('10');
    await visit(page, 'policy');

    const pages = ['/students', '/admin', '/admin/roster', '/reports'];
    for (const path of pages) {
      const answer = await context.request.get(`${consoleUrl}${path}`);
      const headers = answer.headers();
      expect(answer.status(), path).toBe(200);
      expect(headers['cache-control'], path).toBe('no-store');
      expect(headers['content-security-policy'], path).toContain(
        "default-src 'self'",
      );
      expect(headers['content-security-policy'], path).toContain(
        "frame-ancestors 'none'",
      );
      expect(headers['content-security-policy'], path).not.toContain(
        'unsafe-inline',
      );
      expect(headers['referrer-policy'], path).toBe('no-referrer');
    }
    for (const asset of ['govuk-frontend.min.css', 'console.js']) {
      const answer = await context.request.get(`${consoleUrl}/assets/${asset}`);
      expect(answer.status(), asset).toBe(200);
      expect(answer.headers()['content-security-policy'], asset).toContain(
        "default-src 'self'",
      );
    }
    const cookie = (await context.cookies()).find(
      (c) => c.name === 'console_session',
    );
    expect(cookie).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/console',
    });
  });
});
