/**
 * `npm run demo`: the whole of issuing a record, on the local stack, with
 * the sample files this repository ships. It does what each person would:
 * the operator onboards Oakfield Academy and its head; the head imports the
 * roster, subject sets and staff list; a form tutor vouches for a student
 * and shows a QR code; the student's wallet scans it, redeems it and holds
 * a verified record; results arrive under embargo and reach the wallet at
 * their release, without a new vouch; and a second, unscanned code
 * expires on its own.
 *
 * It uses the stack `npm start` is running (from `.local/stack.json`), or
 * with `--ephemeral` starts a throwaway one of its own. Locally nobody
 * receives invitation e-mails, so the demo gives each sign-in it uses a
 * password through cognito-local's admin API, as an invitation would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { parseRoster } from '../functions/imports/roster.js';
import {
  redeemOffer,
  refreshRecord,
  verifyEducationRecord,
} from './wallet/wallet-client.js';

const repoRoot = resolve(import.meta.dirname, '..');
const samples = join(repoRoot, 'samples');

interface Stack {
  apiUrl: string;
  cognitoEndpoint: string;
  userPoolId: string;
  clientId: string;
  operator: { username: string; password: string };
}

const say = (text: string) => process.stdout.write(`${text}\n`);
const step = (n: number, text: string) => say(`\n${n}. ${text}`);

class DemoError extends Error {
  override readonly name = 'DemoError';
}

async function api(
  stack: Stack,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; csv?: Buffer } = {},
  // Demo steps read answers by name; their shapes are the API's own.
  // biome-ignore lint/suspicious/noExplicitAny: see above
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.csv) {
    headers['Content-Type'] = 'text/csv';
    body = new Uint8Array(options.csv);
  }
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers,
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

function expectStatus(
  answer: { status: number; body: unknown },
  ...wanted: number[]
) {
  if (!wanted.includes(answer.status)) {
    throw new DemoError(
      `The API answered ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
}

function cognito(stack: Stack) {
  return new CognitoIdentityProviderClient({
    endpoint: stack.cognitoEndpoint,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function signIn(stack: Stack, username: string, password: string) {
  const out = await cognito(stack).send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: stack.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  const token = out.AuthenticationResult?.AccessToken;
  if (!token) throw new DemoError(`${username} could not sign in.`);
  return token;
}

/** What the invitation e-mail does in AWS: the person sets a password. */
async function acceptInvitation(stack: Stack, email: string) {
  const password = `Demo-${Math.random().toString(36).slice(2)}-Pw1`;
  await cognito(stack).send(
    new AdminSetUserPasswordCommand({
      UserPoolId: stack.userPoolId,
      Username: email,
      Password: password,
      Permanent: true,
    }),
  );
  return signIn(stack, email, password);
}

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
  if (!found) throw new DemoError('The QR code did not decode.');
  return found.data;
}

async function ephemeralStack(): Promise<{
  stack: Stack;
  child: ChildProcess;
  dir: string;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'records-demo-'));
  const describe = join(dir, 'stack.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'scripts/local-stack/start.ts'),
      '--ephemeral',
      '--describe',
      describe,
    ],
    {
      cwd: repoRoot,
      stdio: ['pipe', 'ignore', 'inherit'],
      env: {
        ...process.env,
        LIFETIME_DIVISOR: process.env.LIFETIME_DIVISOR ?? '30',
      },
    },
  );
  const deadline = Date.now() + 120_000;
  while (!existsSync(describe)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new DemoError('The local stack did not start.');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { stack: JSON.parse(readFileSync(describe, 'utf8')), child, dir };
}

async function runningStack(): Promise<Stack> {
  const file = join(repoRoot, '.local', 'stack.json');
  if (!existsSync(file)) {
    throw new DemoError(
      'No local stack is running. Start it with `npm start` in another ' +
        'terminal, or run `npm run demo -- --ephemeral`.',
    );
  }
  const stack = JSON.parse(readFileSync(file, 'utf8')) as Stack;
  const probe = await fetch(`${stack.apiUrl}/openapi.json`).catch(() => null);
  if (!probe?.ok) {
    throw new DemoError(
      `The local stack at ${stack.apiUrl} does not answer. Start it with ` +
        '`npm start`, or run `npm run demo -- --ephemeral`.',
    );
  }
  return stack;
}

const oakfield = { urn: '141234', centreNumber: '47113' };

/** How far ahead the demo sets the release, so it can show both sides. */
const releaseDelayMs = 6000;

async function demo(stack: Stack, outDir: string): Promise<void> {
  const sample = (name: string) =>
    readFileSync(join(samples, 'oakfield', name));
  const urn = oakfield.urn;
  // The student tells the tutor their date of birth; here it comes from the
  // sample roster, standing in for the student's answer.
  const born = new Map(
    parseRoster(sample('roster.csv').toString('utf8')).rows.map((r) => [
      r.upn,
      r.dateOfBirth,
    ]),
  );
  const saysBorn = (upn: string) => born.get(upn) ?? '';

  step(1, 'The operator onboards Oakfield Academy and its head.');
  const operator = await signIn(
    stack,
    stack.operator.username,
    stack.operator.password,
  );
  const centre = await api(stack, 'POST', '/centres', {
    token: operator,
    json: { ...oakfield, name: 'Oakfield Academy' },
  });
  expectStatus(centre, 200, 201);
  say(`   Centre ${centre.body.name} (URN ${urn}) is ${centre.body.status}.`);
  const head = 'head@oakfield.example.org';
  const headCreated = await api(stack, 'POST', `/centres/${urn}/staff`, {
    token: operator,
    json: {
      email: head,
      givenName: 'Helen',
      familyName: 'Marsh',
      roles: ['centre-admin'],
      dataIssuer: false,
    },
  });
  expectStatus(headCreated, 201, 409);
  const headToken = await acceptInvitation(stack, head);
  say(`   ${head} is the centre admin and has signed in.`);

  step(2, 'The head imports the MIS roster, subject sets and staff list.');
  const roster = await api(stack, 'POST', `/centres/${urn}/students/import`, {
    token: headToken,
    csv: sample('roster.csv'),
  });
  expectStatus(roster, 200);
  const r = roster.body;
  say(
    `   Roster: ${r.created} created, ${r.updated} updated, ` +
      `${r.unchanged} unchanged, ${r.duplicates.length} duplicate, ` +
      `${r.rejected.length} rows rejected:`,
  );
  for (const rej of r.rejected) {
    say(`     line ${rej.line} (${rej.field}): ${rej.code}`);
  }
  const sets = await api(stack, 'POST', `/centres/${urn}/groups/import`, {
    token: headToken,
    csv: sample('subject-sets.csv'),
  });
  expectStatus(sets, 200);
  say(`   Subject sets: ${sets.body.added + sets.body.unchanged} placements.`);
  const staff = await api(stack, 'POST', `/centres/${urn}/staff/import`, {
    token: headToken,
    csv: sample('staff.csv'),
  });
  expectStatus(staff, 200);
  say(
    `   Staff: ${staff.body.created} created, ${staff.body.existing} ` +
      'already there, each assigned to their groups.',
  );

  step(3, 'Ann Archer, form tutor of 11A, opens her list and vouches.');
  const tutor = await acceptInvitation(stack, 'tutor.11a@oakfield.example.org');
  const list = await api(stack, 'GET', `/centres/${urn}/students?limit=100`, {
    token: tutor,
  });
  expectStatus(list, 200);
  say(`   Her list holds ${list.body.items.length} students of 11A.`);
  const [student, another] = list.body.items;
  if (!student || !another) throw new DemoError('11A has too few students.');
  say(
    `   The student in front of her: ${student.legalForename} ` +
      `${student.legalSurname}.`,
  );
  const vouch = await api(
    stack,
    'POST',
    `/centres/${urn}/students/${student.studentId}/vouches`,
    {
      token: tutor,
      json: {
        method: 'in-person',
        dateOfBirth: saysBorn(student.upn),
        lookAlikeAcknowledged: student.lookAlikes.length > 0,
      },
    },
  );
  expectStatus(vouch, 201);
  say(
    `   She asks their date of birth, types what they say, and vouches ` +
      `(${student.lookAlikes.length} look-alike warnings).`,
  );
  const offer = await api(
    stack,
    'POST',
    `/centres/${urn}/vouches/${vouch.body.vouchId}/offers`,
    { token: tutor },
  );
  expectStatus(offer, 201);
  const qrFile = join(outDir, 'offer-qr.png');
  writeFileSync(
    qrFile,
    Buffer.from(offer.body.qr.png.replace(/^data:[^,]+,/, ''), 'base64'),
  );
  say(`   QR code saved to ${qrFile}; it expires at ${offer.body.expiresAt}.`);
  say(`   She reads out the tx_code: ${offer.body.txCode}.`);

  step(4, 'The student scans the code with the Education Record app.');
  const scanned = decodeQr(offer.body.qr.png);
  const wallet = await redeemOffer({
    credentialOfferUri: scanned,
    txCode: offer.body.txCode,
  });
  const linked = await verifyEducationRecord(wallet.credential, {
    issuer: stack.apiUrl,
  });
  const who = linked.claims;
  say(
    `   The wallet holds a verified record for ${who.given_name} ` +
      `${who.family_name}, born ${who.birthdate}, of ` +
      `${(who.centre as { name: string }).name}.`,
  );
  const status = await api(
    stack,
    'GET',
    `/centres/${urn}/offers/${offer.body.offerId}`,
    { token: tutor },
  );
  say(`   Ann's screen shows the offer as ${status.body.status}.`);
  if (status.body.status !== 'delivered') {
    throw new DemoError('The offer was not marked as delivered.');
  }

  step(5, 'August: results arrive under embargo until the release time.');
  const inAWeek = new Date(Date.now() + 7 * 86_400_000);
  const series = await api(stack, 'PUT', '/series/june-2026', {
    token: operator,
    json: { name: 'June 2026', releaseAt: inAWeek.toISOString() },
  });
  expectStatus(series, 200, 201);
  const results = await api(stack, 'POST', '/results/import?series=june-2026', {
    token: operator,
    csv: sample('results.csv'),
  });
  expectStatus(results, 200);
  say(
    `   ${results.body.matched} rows matched, ` +
      `${results.body.unmatched.length} unmatched, ` +
      `${results.body.conflicts.length} conflict (never attached).`,
  );
  // The demo cannot wait for August: the operator brings the release to a
  // few seconds from now, once the results are in.
  const releaseAt = new Date(Date.now() + releaseDelayMs);
  const moved = await api(stack, 'PUT', '/series/june-2026', {
    token: operator,
    json: { name: 'June 2026', releaseAt: releaseAt.toISOString() },
  });
  expectStatus(moved, 200);
  say(
    `   The operator sets the June 2026 release for ${releaseAt.toISOString()}.`,
  );
  let tokens = await refreshRecord({ ...wallet, issuer: stack.apiUrl });
  const early = await verifyEducationRecord(tokens.credential, {
    issuer: stack.apiUrl,
  });
  const earlyQuals = early.claims.qualifications as unknown[];
  const pending = (early.claims.pendingSeries ?? []) as { name: string }[];
  say(
    `   Before the release the app refreshes: ${earlyQuals.length} ` +
      `qualifications, waiting for ${pending.map((p) => p.name).join(', ')}.`,
  );

  step(6, 'At the release time every linked wallet refreshes.');
  await new Promise((done) =>
    setTimeout(done, Math.max(0, releaseAt.getTime() - Date.now())),
  );
  const superseded = tokens.credential;
  tokens = await refreshRecord({
    ...wallet,
    refreshToken: tokens.refreshToken,
    issuer: stack.apiUrl,
  });
  const released = await verifyEducationRecord(tokens.credential, {
    issuer: stack.apiUrl,
  });
  const quals = released.claims.qualifications as {
    title: string;
    grade: string;
  }[];
  say(
    `   No new vouch needed: the record now lists ${quals.length} qualifications, for example:`,
  );
  for (const q of quals.slice(0, 3)) say(`     ${q.title}: ${q.grade}`);
  const old = await verifyEducationRecord(superseded, {
    issuer: stack.apiUrl,
    acceptStatuses: [0, 3],
  });
  say(
    `   The record it replaced shows as ${statusWord(old.status)} in ` +
      'the status list.',
  );

  step(7, 'A second code is made and nobody scans it.');
  const policy = await api(stack, 'PUT', `/centres/${urn}/policy`, {
    token: headToken,
    json: { examsOfficerMayVouch: false, offerLifetimeMinutes: 2 },
  });
  expectStatus(policy, 200);
  const vouch2 = await api(
    stack,
    'POST',
    `/centres/${urn}/students/${another.studentId}/vouches`,
    {
      token: tutor,
      json: {
        method: 'mis-photo',
        dateOfBirth: saysBorn(another.upn),
        lookAlikeAcknowledged: another.lookAlikes.length > 0,
      },
    },
  );
  expectStatus(vouch2, 201);
  const offer2 = await api(
    stack,
    'POST',
    `/centres/${urn}/vouches/${vouch2.body.vouchId}/offers`,
    { token: tutor },
  );
  expectStatus(offer2, 201);
  const waitMs = new Date(offer2.body.expiresAt).getTime() - Date.now();
  say(
    `   It expires at ${offer2.body.expiresAt}, in about ` +
      `${Math.ceil(waitMs / 1000)} s. Waiting for the expiry workflow...`,
  );
  const deadline = Date.now() + waitMs + 30_000;
  let expired: { status: string; expiredAt?: string } = { status: 'issued' };
  while (Date.now() < deadline && !expired.expiredAt) {
    await new Promise((done) => setTimeout(done, 1000));
    expired = (
      await api(stack, 'GET', `/centres/${urn}/offers/${offer2.body.offerId}`, {
        token: tutor,
      })
    ).body;
  }
  if (!expired.expiredAt) {
    throw new DemoError('The unscanned offer was not expired in time.');
  }
  say(`   The workflow marked it ${expired.status} at ${expired.expiredAt}.`);

  // Restore the default so the demo leaves the centre as it found it.
  await api(stack, 'PUT', `/centres/${urn}/policy`, {
    token: headToken,
    json: { examsOfficerMayVouch: false, offerLifetimeMinutes: 10 },
  });
  say("\nDone: the record reached the right student's wallet.");
}

function statusWord(status: number | undefined): string {
  return status === 3 ? 'superseded' : `status ${status}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ephemeral: { type: 'boolean', default: false } },
  });
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  let stack: Stack;
  if (values.ephemeral) {
    ({ stack, child, dir } = await ephemeralStack());
  } else {
    stack = await runningStack();
  }
  const outDir = join(repoRoot, '.local', 'demo');
  mkdirSync(outDir, { recursive: true });
  try {
    await demo(stack, outDir);
  } finally {
    child?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`\nThe demo stopped: ${message}\n`);
  process.exit(1);
});
