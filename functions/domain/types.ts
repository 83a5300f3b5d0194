import type { LookAlike } from './look-alikes.js';

/** The product's entities as the domain holds them (see the glossary). */

export const roles = [
  'centre-admin',
  'head-of-year',
  'form-tutor',
  'subject-staff',
  'exams-officer',
] as const;
export type Role = (typeof roles)[number];

export const centreStatuses = ['active', 'suspended'] as const;
export type CentreStatus = (typeof centreStatuses)[number];

export interface Policy {
  /** The small-centre exception: the exams officer may vouch. */
  examsOfficerMayVouch: boolean;
  offerLifetimeMinutes: number;
}

export const defaultPolicy: Policy = {
  examsOfficerMayVouch: false,
  offerLifetimeMinutes: 10,
};

export interface Centre {
  urn: string;
  centreNumber: string;
  name: string;
  status: CentreStatus;
  policy: Policy;
  /** Students on roll, kept by the roster import. */
  onRoll: number;
  createdAt: string;
  updatedAt: string;
}

export interface Staff {
  urn: string;
  /** The sign-in's Cognito `sub`. */
  staffId: string;
  email: string;
  givenName: string;
  familyName: string;
  roles: Role[];
  dataIssuer: boolean;
  active: boolean;
  groupIds: string[];
  createdAt: string;
  updatedAt: string;
}

export const groupKinds = ['form', 'year', 'subject'] as const;
export type GroupKind = (typeof groupKinds)[number];

export interface Group {
  urn: string;
  groupId: string;
  name: string;
  kind: GroupKind;
  createdAt: string;
}

export const studentStatuses = ['on-roll', 'left'] as const;
export type StudentStatus = (typeof studentStatuses)[number];

export interface Student {
  urn: string;
  studentId: string;
  upn: string;
  uln?: string;
  uci?: string;
  adno?: string;
  legalSurname: string;
  legalForename: string;
  preferredForename?: string;
  gender?: string;
  dateOfBirth: string;
  year: string;
  form?: string;
  status: StudentStatus;
  groupIds: string[];
  latestOfferId?: string;
  /** Students a tutor could take for this one (see look-alikes.ts). */
  lookAlikes?: LookAlike[];
  createdAt: string;
  updatedAt: string;
  leftAt?: string;
}

export const vouchMethods = ['in-person', 'mis-photo'] as const;
export type VouchMethod = (typeof vouchMethods)[number];

export interface Vouch {
  urn: string;
  vouchId: string;
  studentId: string;
  staffId: string;
  method: VouchMethod;
  createdAt: string;
  expiresAt: string;
  /** Set when an offer was made from it: a vouch is good for one offer. */
  offerId?: string;
}

export const offerStatuses = [
  'issued',
  'scanned',
  'redeemed',
  'delivered',
  'expired',
  'revoked',
] as const;
export type OfferStatus = (typeof offerStatuses)[number];

export const revocationReasons = [
  'replaced',
  'too-many-wrong-codes',
  'student-details-changed',
  'student-left',
  'revoked-by-staff',
  'staff-deactivated',
  'student-erased',
] as const;
export type RevocationReason = (typeof revocationReasons)[number];

export interface Offer {
  offerId: string;
  urn: string;
  studentId: string;
  staffId: string;
  vouchId: string;
  status: OfferStatus;
  createdAt: string;
  expiresAt: string;
  /** SHA-256 of the secret part of the credential offer URI. */
  refHash: string;
  /** SHA-256 of the pre-authorized code. */
  codeHash: string;
  /** HMAC of the tx_code keyed by the pre-authorized code. */
  txCodeHash: string;
  failedTxCodes: number;
  revokedReason?: RevocationReason;
  revokedAt?: string;
  scannedAt?: string;
  redeemedAt?: string;
  deliveredAt?: string;
  expiredAt?: string;
  /** RFC 7638 thumbprint of the wallet key the record is bound to. */
  holderKeyThumbprint?: string;
}

export interface Qualification {
  title: string;
  qan: string;
  awardingBody: string;
  subject: string;
  level: string;
  grade: string;
  awardDate: string;
}

export interface Result extends Qualification {
  urn: string;
  studentId: string;
  resultId: string;
  series: string;
  importedAt: string;
}
