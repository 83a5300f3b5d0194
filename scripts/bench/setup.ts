/**
 * Untimed set-up through the API, as a region's people would do it: a
 * centre, its roster exported from the MIS (in the sample files' format,
 * with valid UPNs and ULNs), a head of year who may vouch for Year 11.
 */
import { randomInt } from 'node:crypto';
import {
  ulnCheckDigit,
  upnCheckLetter,
} from '../../functions/imports/identifiers.js';
import { apiClient, studentIdsByUpn } from '../../test/support/api.js';
import type { LocalStackDescription } from '../../test/support/local-stack.js';
import {
  newCentre,
  newStaff,
  type StaffMember,
  type TestCentre,
} from '../../test/support/scenario.js';

export interface Pupil {
  upn: string;
  uln: string;
  surname: string;
  forename: string;
  dateOfBirth: string;
  studentId: string;
}

export interface BenchCentre extends TestCentre {
  issuer: StaffMember;
  pupils: Pupil[];
}

const letters = 'abcdefghijklmnopqrstuvwxyz';

function word(serial: number): string {
  let n = serial;
  let out = '';
  do {
    out = (letters[n % 26] ?? 'a') + out;
    n = Math.floor(n / 26);
  } while (n > 0);
  return out;
}

function newUln(): string {
  for (;;) {
    const stem = String(randomInt(100_000_000, 999_999_999));
    const check = ulnCheckDigit(stem);
    if (check !== undefined) return `${stem}${check}`;
  }
}

const two = (n: number) => String(n).padStart(2, '0');

/** `count` students with identifiers and names no other centre has. */
export function rosterRows(count: number): Omit<Pupil, 'studentId'>[] {
  const tag = `${randomInt(1000, 9999)}`;
  const tagWord = word(randomInt(26 ** 3, 26 ** 4));
  return Array.from({ length: count }, (_, i) => {
    const rest = `998${tag}${String(i).padStart(5, '0')}`;
    return {
      upn: `${upnCheckLetter(rest)}${rest}`,
      uln: newUln(),
      surname: `Sur${tagWord}${word(i)}`,
      forename: `Given${word(i * 7 + 3)}`,
      dateOfBirth: `20${two(9 + (i % 2))}-${two(1 + (i % 12))}-${two(1 + (i % 28))}`,
    };
  });
}

/** The MIS export of those rows, as the sample rosters are laid out. */
export function rosterCsv(rows: Omit<Pupil, 'studentId'>[]): string {
  const dmy = (iso: string) => iso.split('-').reverse().join('/');
  return [
    'UPN,ULN,Legal Surname,Legal Forename,DOB,Year,Reg',
    ...rows.map(
      (r) =>
        `${r.upn},${r.uln},${r.surname},${r.forename},${dmy(r.dateOfBirth)},` +
        '11,11A',
    ),
  ].join('\r\n');
}

async function expectStatus(
  what: string,
  answer: { status: number; text: string },
  wanted: number,
) {
  if (answer.status !== wanted) {
    throw new Error(`${what} answered ${answer.status}: ${answer.text}`);
  }
}

/** A centre with a roster of `size` and a head of year who may vouch. */
export async function benchCentre(
  stack: LocalStackDescription,
  size: number,
  offerLifetimeMinutes: number,
): Promise<BenchCentre> {
  const call = apiClient(stack.apiUrl);
  const centre = await newCentre(stack);
  const token = centre.admin.token;
  const rows = rosterRows(size);
  await expectStatus(
    'roster import',
    await call('POST', `/centres/${centre.urn}/students/import`, {
      token,
      csv: rosterCsv(rows),
    }),
    200,
  );
  await expectStatus(
    'policy',
    await call('PUT', `/centres/${centre.urn}/policy`, {
      token,
      json: { examsOfficerMayVouch: false, offerLifetimeMinutes },
    }),
    200,
  );
  const issuer = await newStaff(stack, call, centre.urn, token, {
    roles: ['head-of-year'],
    dataIssuer: true,
    label: 'hoy',
  });
  const groups = await call('GET', `/centres/${centre.urn}/groups?limit=200`, {
    token,
  });
  const year11 = groups.body.items.find(
    (g: { name: string }) => g.name === 'Year 11',
  )?.groupId;
  await expectStatus(
    'assignment',
    await call(
      'PUT',
      `/centres/${centre.urn}/groups/${year11}/staff/${issuer.staffId}`,
      { token },
    ),
    200,
  );
  return {
    ...centre,
    issuer,
    pupils: await withIds(stack, centre, rows),
  };
}

async function withIds(
  stack: LocalStackDescription,
  centre: TestCentre,
  rows: Omit<Pupil, 'studentId'>[],
): Promise<Pupil[]> {
  const call = apiClient(stack.apiUrl);
  const ids = await studentIdsByUpn(call, centre.urn, centre.admin.token);
  return rows.map((r) => ({ ...r, studentId: ids.get(r.upn) ?? '' }));
}

export interface MadeOffer {
  offerId: string;
  txCode: string;
  credentialOffer: string;
}

/** A vouch and its offer, timed as two requests. */
export async function vouchAndOffer(
  apiUrl: string,
  centre: BenchCentre,
  pupil: Pupil,
  time: import('./load.js').Timer,
): Promise<MadeOffer> {
  const headers = {
    Authorization: `Bearer ${centre.issuer.token}`,
    'Content-Type': 'application/json',
  };
  const base = `${apiUrl}/centres/${centre.urn}`;
  const vouch = await (
    await time('vouch', () =>
      fetch(`${base}/students/${pupil.studentId}/vouches`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          method: 'in-person',
          dateOfBirth: pupil.dateOfBirth,
          lookAlikeAcknowledged: true,
        }),
      }),
    )
  ).json();
  const offer = await (
    await time('offer', () =>
      fetch(`${base}/vouches/${vouch.vouchId}/offers`, {
        method: 'POST',
        headers: { Authorization: headers.Authorization },
      }),
    )
  ).json();
  return {
    offerId: offer.offerId,
    txCode: offer.txCode,
    credentialOffer: offer.credentialOffer,
  };
}
