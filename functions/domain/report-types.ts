/** Record-error reports and helpdesk enquiries, as the domain holds them. */

export const reportKinds = [
  'missing-qualification',
  'unexpected-qualification',
  'wrong-grade',
  'wrong-personal-details',
  'other',
] as const;
export type ReportKind = (typeof reportKinds)[number];

export const reportStatuses = [
  'open',
  'acknowledged',
  'resolved',
  'referred',
] as const;
export type ReportStatus = (typeof reportStatuses)[number];

/** Statuses under which the report's qualification is challenged. */
export const unresolvedStatuses: readonly ReportStatus[] = [
  'open',
  'acknowledged',
  'referred',
];

/** Who the route is waiting on, in escalation order. */
export const routeLevels = ['assignee', 'heads-of-year', 'centre-admins'];
export type RouteLevel = 'assignee' | 'heads-of-year' | 'centre-admins';

/** What the route is waiting for. */
export type RoutePhase = 'acknowledge' | 'resolve';

export const resolveOutcomes = ['corrected', 'no-error-found'] as const;
export type ResolveOutcome = (typeof resolveOutcomes)[number];

/**
 * One transition. `by` is a staff id, a helpdesk sign-in's `sub`,
 * `student` (the wallet) or `system` (the routing workflow).
 */
export interface HistoryEntry {
  at: string;
  by: string;
  action: string;
  detail?: Record<string, string>;
}

export interface ReportedQualification {
  qan: string;
  subject: string;
}

export interface Report {
  reportId: string;
  urn: string;
  studentId: string;
  chainId: string;
  offerId: string;
  vouchId?: string;
  /** The member of staff who vouched and made the code. */
  voucherId?: string;
  /**
   * The student's year and form groups when reported: the heads of year
   * assigned to either see the report and are its second level. A centre
   * may give its heads of year the year group or every form of the year.
   */
  yearGroupId?: string;
  formGroupId?: string;
  kind: ReportKind;
  qualification?: ReportedQualification;
  /** Plain text from the student; never rendered as markup. */
  details: string;
  status: ReportStatus;
  phase: RoutePhase;
  level: RouteLevel;
  assigneeId?: string;
  /** When the current wait ends; the route escalates then. */
  deadline?: string;
  /** Set once the workflow has assigned or escalated the report. */
  routedAt?: string;
  /** Counts every transition, so a stale wait cannot act on it. */
  routeVersion: number;
  outcome?: ResolveOutcome | 'closed-by-helpdesk';
  /** What the staff member wrote for the student on resolving. */
  studentNote?: string;
  enquiryId?: string;
  /** Hash of chain, kind, qualification and details (retries). */
  fingerprint: string;
  /** Its element of the prepared record's challenge set, if any. */
  challenge?: string;
  history: HistoryEntry[];
  createdAt: string;
  updatedAt: string;
}

export const enquiryStatuses = ['open', 'answered', 'closed'] as const;
export type EnquiryStatus = (typeof enquiryStatuses)[number];

export interface Enquiry {
  enquiryId: string;
  urn: string;
  studentId: string;
  reportId: string;
  status: EnquiryStatus;
  /** Why it was opened: a staff member's summary, or the escalation. */
  summary: string;
  /** A staff id, or `system` when no one acknowledged the report. */
  openedBy: string;
  /** Staff the helpdesk's replies go to. */
  contactStaffIds: string[];
  history: HistoryEntry[];
  createdAt: string;
  updatedAt: string;
}

/** The groups whose heads of year look after the report's student. */
export const pastoralGroupIds = (report: Report): string[] =>
  [report.yearGroupId, report.formGroupId].filter(
    (id): id is string => id !== undefined,
  );
