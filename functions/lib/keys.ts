/**
 * The single-table key scheme. Every key in the table is built here, from
 * named parts; nothing else writes a key by hand. The README's table
 * "Single-table design" lists the same entities and access patterns.
 */

/** Attribute names of the table and its indexes (CDK uses these too). */
export const table = {
  partitionKey: 'PK',
  sortKey: 'SK',
  ttlAttribute: 'ttl',
  indexes: {
    /** ULN, sign-in and list lookups. */
    gsi1: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    /** UCI lookups. */
    gsi2: { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  },
} as const;

export interface Key {
  PK: string;
  SK: string;
}

const centrePk = (urn: string) => `CENTRE#${urn}`;

export const keys = {
  centre: (urn: string): Key => ({ PK: centrePk(urn), SK: 'PROFILE' }),
  /** GSI1 entry that lists every centre of the region. */
  centreListing: (urn: string) => ({ GSI1PK: 'CENTRES', GSI1SK: urn }),
  /** Holds a centre number to one centre; results rows name centres so. */
  centreNumber: (centreNumber: string): Key => ({
    PK: `CENTRENO#${centreNumber}`,
    SK: 'CENTRENO',
  }),

  /** A staff record; `staffId` is the sign-in's Cognito `sub`. */
  staff: (urn: string, staffId: string): Key => ({
    PK: centrePk(urn),
    SK: `STAFF#${staffId}`,
  }),
  staffPrefix: () => 'STAFF#',
  /** GSI1 entry: the centres a sign-in holds a staff record at. */
  staffSignIn: (urn: string, staffId: string) => ({
    GSI1PK: `USER#${staffId}`,
    GSI1SK: `CENTRE#${urn}`,
  }),
  signInPartition: (staffId: string) => `USER#${staffId}`,
  /** Holds an e-mail address (lower case) to one staff record. */
  staffEmail: (urn: string, email: string): Key => ({
    PK: centrePk(urn),
    SK: `EMAIL#${email}`,
  }),

  student: (urn: string, studentId: string): Key => ({
    PK: centrePk(urn),
    SK: `STUDENT#${studentId}`,
  }),
  studentPrefix: () => 'STUDENT#',
  /** Holds a UPN to one student of the centre. */
  studentUpn: (urn: string, upn: string): Key => ({
    PK: centrePk(urn),
    SK: `UPN#${upn}`,
  }),
  /** GSI1 entry: find a student by ULN across the region. */
  studentUln: (uln: string, centreNumber: string) => ({
    GSI1PK: `ULN#${uln}`,
    GSI1SK: `CENTRENO#${centreNumber}`,
  }),
  /** GSI2 entry: find a student by UCI across the region. */
  studentUci: (uci: string, centreNumber: string) => ({
    GSI2PK: `UCI#${uci}`,
    GSI2SK: `CENTRENO#${centreNumber}`,
  }),
  ulnPartition: (uln: string) => `ULN#${uln}`,
  uciPartition: (uci: string) => `UCI#${uci}`,

  group: (urn: string, groupId: string): Key => ({
    PK: centrePk(urn),
    SK: `GROUP#${groupId}`,
  }),
  groupPrefix: () => 'GROUP#',
  groupPartition: (urn: string, groupId: string) =>
    `${centrePk(urn)}#GROUP#${groupId}`,
  /** A student's membership of a group. */
  groupStudent: (urn: string, groupId: string, studentId: string): Key => ({
    PK: `${centrePk(urn)}#GROUP#${groupId}`,
    SK: `STUDENT#${studentId}`,
  }),
  /** A member of staff's assignment to a group. */
  groupStaff: (urn: string, groupId: string, staffId: string): Key => ({
    PK: `${centrePk(urn)}#GROUP#${groupId}`,
    SK: `STAFF#${staffId}`,
  }),

  vouch: (urn: string, vouchId: string): Key => ({
    PK: centrePk(urn),
    SK: `VOUCH#${vouchId}`,
  }),
  /** GSI1 entry: a student's vouches, oldest first, for their trail. */
  studentVouches: (studentId: string, createdAt: string, vouchId: string) => ({
    GSI1PK: `STUDENT#${studentId}`,
    GSI1SK: `VOUCH#${createdAt}#${vouchId}`,
  }),

  /**
   * Where a student is, by id alone: the helpdesk's way in from a trail
   * or a search. It also carries the region-wide index entries that find
   * a student by UPN (GSI1) and by family name and date of birth (GSI2),
   * which the student item cannot: its GSI1 and GSI2 hold ULN and UCI.
   */
  studentLocator: (studentId: string): Key => ({
    PK: `STUDENT#${studentId}`,
    SK: 'LOCATOR',
  }),
  /** GSI1 entry: find students by UPN across the region. */
  studentByUpn: (upn: string, studentId: string) => ({
    GSI1PK: `UPN#${upn}`,
    GSI1SK: `STUDENT#${studentId}`,
  }),
  upnPartition: (upn: string) => `UPN#${upn}`,
  /**
   * GSI2 entry: find students by family name and date of birth across the
   * region. The name is folded (see `foldName`), so the helpdesk need not
   * type it in the MIS's case or accents.
   */
  studentByPerson: (
    foldedFamilyName: string,
    dateOfBirth: string,
    studentId: string,
  ) => ({
    GSI2PK: `PERSON#${dateOfBirth}#${foldedFamilyName}`,
    GSI2SK: `STUDENT#${studentId}`,
  }),
  personPartition: (foldedFamilyName: string, dateOfBirth: string) =>
    `PERSON#${dateOfBirth}#${foldedFamilyName}`,
  /** The GSI1 partition of everything about one student: their trail. */
  studentPartition: (studentId: string) => `STUDENT#${studentId}`,

  offer: (offerId: string): Key => ({ PK: `OFFER#${offerId}`, SK: 'OFFER' }),
  /** GSI1 entry: a student's offers, newest last. */
  studentOffers: (studentId: string, createdAt: string) => ({
    GSI1PK: `STUDENT#${studentId}`,
    GSI1SK: `OFFER#${createdAt}`,
  }),

  /** GSI2 entry: the offers a member of staff made, newest last. */
  staffOffers: (urn: string, staffId: string, createdAt: string) => ({
    GSI2PK: `MADEBY#${urn}#${staffId}`,
    GSI2SK: `OFFER#${createdAt}`,
  }),
  staffOffersPartition: (urn: string, staffId: string) =>
    `MADEBY#${urn}#${staffId}`,

  /** An access token, by the SHA-256 of its value. */
  accessToken: (tokenHash: string): Key => ({
    PK: `TOKEN#${tokenHash}`,
    SK: 'ACCESS',
  }),
  nonce: (nonce: string): Key => ({ PK: `NONCE#${nonce}`, SK: 'NONCE' }),

  /** A result row attached to a student (one per qualification award). */
  result: (urn: string, studentId: string, resultId: string): Key => ({
    PK: centrePk(urn),
    SK: `RESULT#${studentId}#${resultId}`,
  }),
  resultPrefix: (studentId: string) => `RESULT#${studentId}#`,
  /** Every result of a centre, whoever's. */
  centreResultsPrefix: () => 'RESULT#',

  /**
   * A student's record, prepared at import so that issuing it reads one
   * item. Student ids are random and unique in the region, so the
   * partition needs no centre.
   */
  record: (studentId: string): Key => ({
    PK: `STUDENT#${studentId}`,
    SK: 'RECORD',
  }),
  /** Every results series of the region, in one item. */
  seriesCatalogue: (): Key => ({ PK: 'SERIES', SK: 'CATALOGUE' }),

  /**
   * A refresh chain: the tokens and credentials that began with one offer.
   * Its id starts with the centre's URN and the student's id (fixed
   * widths), so a token names every item the credential endpoint reads.
   */
  chain: (chainId: string): Key => ({ PK: `CHAIN#${chainId}`, SK: 'CHAIN' }),
  /** GSI1 entry: a student's chains, so a change of person can stop them. */
  studentChains: (studentId: string, createdAt: string) => ({
    GSI1PK: `STUDENT#${studentId}`,
    GSI1SK: `CHAIN#${createdAt}`,
  }),
  /** Hands out blocks of status list indexes. */
  statusCounter: (): Key => ({ PK: 'STATUSLIST', SK: 'COUNTER' }),
  /** A credential's entry in a status list, written when not valid. */
  statusEntry: (listId: number, index: number): Key => ({
    PK: `STATUSLIST#${listId}`,
    SK: `IDX#${String(index).padStart(10, '0')}`,
  }),
  statusListPartition: (listId: number) => `STATUSLIST#${listId}`,

  /**
   * An audit entry, listed by the day it was written so the helpdesk can
   * read a day's entries in order.
   */
  audit: (at: string, auditId: string): Key => ({
    PK: `AUDIT#${at.slice(0, 10)}`,
    SK: `${at}#${auditId}`,
  }),
  auditDayPartition: (day: string) => `AUDIT#${day}`,
  /** GSI1 entry: the audit entries about a student, oldest first. */
  studentAudit: (studentId: string, at: string, auditId: string) => ({
    GSI1PK: `STUDENT#${studentId}`,
    GSI1SK: `AUDIT#${at}#${auditId}`,
  }),

  /**
   * A helpdesk sign-in the operator removed: its access tokens, which
   * still carry the group until they expire, are refused at once.
   */
  helpdeskRemoval: (staffId: string): Key => ({
    PK: `HELPDESK#${staffId}`,
    SK: 'REMOVED',
  }),

  /**
   * Which chain a block of status list indexes went to, written in the
   * transaction that first uses the block: a presented credential names
   * its index, and so its chain, with no other look-up.
   */
  statusBlock: (blockStart: number): Key => ({
    PK: `STATUSBLOCK#${blockStart}`,
    SK: 'BLOCK',
  }),

  /** A record-error report, in its centre's partition. */
  report: (urn: string, reportId: string): Key => ({
    PK: centrePk(urn),
    SK: `REPORT#${reportId}`,
  }),
  /** GSI1 entry: a student's reports beside their offers and audit. */
  studentReports: (studentId: string, createdAt: string, reportId: string) => ({
    GSI1PK: `STUDENT#${studentId}`,
    GSI1SK: `REPORT#${createdAt}#${reportId}`,
  }),
  /** GSI2 entry: a centre's reports, oldest first. */
  centreReports: (urn: string, createdAt: string, reportId: string) => ({
    GSI2PK: `REPORTS#${urn}`,
    GSI2SK: `${createdAt}#${reportId}`,
  }),
  centreReportsPartition: (urn: string) => `REPORTS#${urn}`,
  /**
   * Holds one unresolved report per chain, kind, qualification and
   * details (by their hash), so that sending it again is a retry.
   */
  reportGuard: (urn: string, fingerprint: string): Key => ({
    PK: centrePk(urn),
    SK: `REPORTGUARD#${fingerprint}`,
  }),
  /** The dates a centre is closed (`YYYY-MM-DD`), in one item. */
  closures: (urn: string): Key => ({ PK: centrePk(urn), SK: 'CLOSURES' }),

  /** A helpdesk enquiry about one report. */
  enquiry: (enquiryId: string): Key => ({
    PK: `ENQUIRY#${enquiryId}`,
    SK: 'ENQUIRY',
  }),
  /** GSI1 entry: a student's enquiries. */
  studentEnquiries: (
    studentId: string,
    createdAt: string,
    enquiryId: string,
  ) => ({
    GSI1PK: `STUDENT#${studentId}`,
    GSI1SK: `ENQUIRY#${createdAt}#${enquiryId}`,
  }),
  /** GSI2 entry: the region's enquiries of one status, oldest first. */
  enquiriesByStatus: (
    status: string,
    createdAt: string,
    enquiryId: string,
  ) => ({
    GSI2PK: `ENQUIRIES#${status}`,
    GSI2SK: `${createdAt}#${enquiryId}`,
  }),
  enquiriesPartition: (status: string) => `ENQUIRIES#${status}`,

  /**
   * A fixed-window counter: what it counts (`exchange-failures`,
   * `refreshes`, `vouches`), of whom (a hash of a client address, a chain
   * id, a member of staff) and the window's start in epoch seconds. Each
   * carries a `ttl`, so old windows go on their own.
   */
  rateWindow: (kind: string, subject: string, windowStart: number): Key => ({
    PK: `RATE#${kind}#${subject}`,
    SK: `WINDOW#${windowStart}`,
  }),

  /**
   * A staff console session, by the SHA-256 of its id: the id itself is
   * only ever in the browser's cookie. Carries a `ttl`.
   */
  session: (idHash: string): Key => ({
    PK: `SESSION#${idHash}`,
    SK: 'SESSION',
  }),

  /** Local stack only: the stand-in for StartExecution keeps names here. */
  execution: (stateMachine: string, name: string): Key => ({
    PK: `EXECUTION#${stateMachine}`,
    SK: name,
  }),
  executionPartition: (stateMachine: string) => `EXECUTION#${stateMachine}`,
} as const;
