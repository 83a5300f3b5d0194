import type { StudentSearch } from '../admin-schemas.js';
import type { Deps } from '../lib/deps.js';
import { notFound } from '../lib/errors.js';
import { keys, table } from '../lib/keys.js';
import {
  batchGet,
  decodeCursor,
  encodeCursor,
  entity,
  getEntity,
  queryPage,
} from '../lib/table.js';
import type { Chain } from './chains.js';
import { offerStatusAt } from './offers.js';
import type { Report } from './report-types.js';
import { reportDetail } from './reports.js';
import { foldName } from './student-locator.js';
import type { Offer, OfferStatus, Student, Vouch } from './types.js';

/**
 * What became of an offer, in one word a person on the phone can say:
 * still `live`, `delivered`, `redeemed` with no record fetched yet,
 * `expired-unscanned`, `expired-after-scan` or `revoked`.
 */
export type OfferFate =
  | 'live'
  | 'delivered'
  | 'redeemed'
  | 'expired-unscanned'
  | 'expired-after-scan'
  | 'revoked';

export function offerFate(offer: Offer, now: Date): OfferFate {
  const status: OfferStatus = offerStatusAt(offer, now);
  switch (status) {
    case 'issued':
    case 'scanned':
      return 'live';
    case 'expired':
      return offer.scannedAt ? 'expired-after-scan' : 'expired-unscanned';
    default:
      return status;
  }
}

/** Stored with an offer but never shown: each would let someone redeem. */
const offerSecrets = ['refHash', 'codeHash', 'txCodeHash', 'chainId'];
/** Stored with a chain but never shown: hashes of live tokens. */
const chainSecrets = [
  'refreshHash',
  'previousRefreshHash',
  'accessHash',
  'chainId',
];

const without = (value: Record<string, unknown>, names: string[]) =>
  Object.fromEntries(
    Object.entries(value).filter(([name]) => !names.includes(name)),
  );

/** The helpdesk's view of an offer: everything but its secrets. */
export function helpdeskOfferView(offer: Offer, now: Date) {
  return {
    ...without(offer as unknown as Record<string, unknown>, offerSecrets),
    status: offerStatusAt(offer, now),
    fate: offerFate(offer, now),
  };
}

/** Any offer of the region, by id. */
export async function findOffer(deps: Deps, offerId: string) {
  const offer = await getEntity<Offer>(
    deps.db,
    deps.config.TABLE_NAME,
    keys.offer(offerId),
  );
  if (!offer) throw notFound();
  return helpdeskOfferView(offer, deps.clock.now());
}

export interface FoundStudent {
  studentId: string;
  urn: string;
  familyName: string;
  givenName: string;
}

/** A search finds a few people; more than this is a search to narrow. */
export const maxSearchResults = 50;

const found = (student: Student): FoundStudent => ({
  studentId: student.studentId,
  urn: student.urn,
  familyName: student.legalSurname,
  givenName: student.preferredForename ?? student.legalForename,
});

/**
 * Students of the whole region by ULN (GSI1 of the student items), by UPN
 * (GSI1 of their locators) or by family name and date of birth (GSI2 of
 * their locators): each one Query, never a scan, and one BatchGetItem of
 * the students a locator names. No cursor: its keys would carry the
 * search's personal data into a query string.
 */
export async function searchStudents(
  deps: Deps,
  search: StudentSearch,
): Promise<{ items: FoundStudent[] }> {
  const TableName = deps.config.TABLE_NAME;
  const { gsi1, gsi2 } = table.indexes;
  const query = (index: typeof gsi1 | typeof gsi2, partition: string) =>
    queryPage(deps.db, {
      TableName,
      IndexName: index.name,
      KeyConditionExpression: `${index.partitionKey} = :pk`,
      ExpressionAttributeValues: { ':pk': partition },
      Limit: maxSearchResults,
    });

  if (search.by === 'uln') {
    const page = await query(gsi1, keys.ulnPartition(search.uln));
    const students = page.items
      .filter((i) => i.type === 'student')
      .map((i) => entity<Student>(i));
    return { items: students.map(found).sort(byName) };
  }

  const page =
    search.by === 'upn'
      ? await query(gsi1, keys.upnPartition(search.upn))
      : await query(
          gsi2,
          keys.personPartition(foldName(search.familyName), search.dateOfBirth),
        );
  const locators = page.items
    .filter((i) => i.type === 'studentLocator')
    .map((i) => entity<{ urn: string; studentId: string }>(i));
  const students = (
    await batchGet(
      deps.db,
      TableName,
      locators.map((l) => keys.student(l.urn, l.studentId)),
    )
  ).map((i) => entity<Student>(i));
  return { items: students.map(found).sort(byName) };
}

const byName = (a: FoundStudent, b: FoundStudent) =>
  a.familyName.localeCompare(b.familyName) ||
  a.givenName.localeCompare(b.givenName) ||
  a.studentId.localeCompare(b.studentId);

/** A trail's items, by what they are. */
export interface Trail {
  student: Record<string, unknown>;
  vouches: Record<string, unknown>[];
  offers: Record<string, unknown>[];
  chains: Record<string, unknown>[];
  audit: Record<string, unknown>[];
  reports: Record<string, unknown>[];
  enquiries: Record<string, unknown>[];
  cursor: string | null;
}

/**
 * Everything the table holds about one student, oldest first, a page at a
 * time: one Query of their GSI1 partition, which lists their vouches,
 * offers (with their fate), chains, audit entries, reports and enquiries.
 * Reports as their staff view shows them; enquiries as stored, without
 * keys.
 */
export async function studentTrail(
  deps: Deps,
  studentId: string,
  query: { cursor?: string; limit?: number },
): Promise<Trail> {
  const TableName = deps.config.TABLE_NAME;
  const locator = await getEntity<{ urn: string }>(
    deps.db,
    TableName,
    keys.studentLocator(studentId),
  );
  if (!locator) throw notFound();
  const student = await getEntity<Student>(
    deps.db,
    TableName,
    keys.student(locator.urn, studentId),
  );
  if (!student) throw notFound();

  const index = table.indexes.gsi1;
  const partition = keys.studentPartition(studentId);
  const page = await queryPage(deps.db, {
    TableName,
    IndexName: index.name,
    KeyConditionExpression: `${index.partitionKey} = :pk`,
    ExpressionAttributeValues: { ':pk': partition },
    ExclusiveStartKey: decodeCursor(query.cursor, {
      [index.partitionKey]: partition,
    }),
    Limit: query.limit ?? 100,
  });

  const now = deps.clock.now();
  const trail: Trail = {
    student: { ...student },
    vouches: [],
    offers: [],
    chains: [],
    audit: [],
    reports: [],
    enquiries: [],
    cursor: encodeCursor(page.next),
  };
  for (const item of page.items) {
    switch (item.type) {
      case 'vouch':
        trail.vouches.push({ ...entity<Vouch>(item) });
        break;
      case 'offer':
        trail.offers.push(helpdeskOfferView(entity<Offer>(item), now));
        break;
      case 'chain':
        trail.chains.push(
          without(
            entity<Chain>(item) as unknown as Record<string, unknown>,
            chainSecrets,
          ),
        );
        break;
      case 'audit':
        trail.audit.push(entity(item));
        break;
      case 'report':
        trail.reports.push(reportDetail(entity<Report>(item)));
        break;
      case 'enquiry':
        trail.enquiries.push(entity(item));
        break;
      default:
        // Anything else listed under a student is not for the trail.
        break;
    }
  }
  return trail;
}
