/**
 * The API's refusals in plain words for the console: what happened and
 * what to do next, by the API's stable error code. A code with no entry
 * here shows the API's own message, which is written for people too.
 */

export interface Refusal {
  /** What happened, in one sentence. */
  summary: string;
  /** What the member of staff can do about it. */
  next: string;
  /** The form field it is about, when there is one. */
  field?: string;
}

const plain: Record<string, Omit<Refusal, 'field'>> = {
  UNAUTHORIZED: {
    summary: 'Your sign-in has ended.',
    next: 'Sign in again to carry on.',
  },
  NOT_FOUND: {
    summary: 'We could not find that at your centre.',
    next: 'Go back to My students and choose the student again.',
  },
  NOT_CENTRE_STAFF: {
    summary: 'You are not on the staff of this centre.',
    next: 'Ask your centre admin to add you.',
  },
  STAFF_INACTIVE: {
    summary: 'Your account at this centre has been switched off.',
    next: 'Ask your centre admin to switch it back on.',
  },
  NOT_DATA_ISSUER: {
    summary: 'You do not have permission to issue records.',
    next: 'Ask your centre admin or head of year to give you the data issuer permission.',
  },
  NOT_IN_STUDENT_GROUPS: {
    summary: 'This student is not in any of your groups.',
    next: 'Ask a head of year to assign you to their group, or ask their own tutor.',
  },
  NOT_YOUR_GROUP: {
    summary: 'You are not assigned to that group.',
    next: 'Ask a head of year to assign you to it.',
  },
  DATE_OF_BIRTH_MISMATCH: {
    summary: 'The date of birth the student gave does not match their record.',
    next:
      'Check you have chosen the student in front of you and ask them ' +
      'again. If it still does not match, do not make a code: ask the ' +
      'exams officer to check the MIS.',
  },
  TOO_MANY_DATE_MISMATCHES: {
    summary:
      'Too many dates of birth given for this student did not match, so ' +
      'making a code for them is paused for now.',
    next:
      'If the student is in front of you, ask a head of year or the ' +
      'centre admin to check their record in the MIS.',
  },
  LOOK_ALIKE_NOT_ACKNOWLEDGED: {
    summary: 'Another student at the centre could be taken for this one.',
    next: 'Make sure you have the right student, then tick the box to confirm it.',
  },
  EXAMS_OFFICER_MAY_NOT_VOUCH: {
    summary: 'Exams officers cannot make codes at this centre.',
    next:
      "Ask the student's form tutor, or ask your centre admin about " +
      'the small centre exception.',
  },
  CENTRE_SUSPENDED: {
    summary: 'Your centre is suspended, so no codes can be made.',
    next: 'Your centre admin can ask the operator why.',
  },
  VOUCH_STALE: {
    summary: 'It is more than five minutes since you confirmed the student.',
    next: 'Confirm the student again to make a new code.',
  },
  VOUCH_USED: {
    summary: 'A code has already been made from that confirmation.',
    next: 'Confirm the student again to make a new code.',
  },
  VOUCH_NOT_YOURS: {
    summary: 'Another member of staff confirmed this student.',
    next: 'Confirm the student yourself to make a code.',
  },
  OFFER_CONFLICT: {
    summary: 'Someone made a code for this student at the same moment.',
    next: 'Confirm the student again.',
  },
  NOT_YOUR_OFFER: {
    summary: 'Another member of staff made that code.',
    next: 'Ask them, a head of year or a centre admin.',
  },
  OFFER_NOT_REVOCABLE: {
    summary: 'That code can no longer be cancelled.',
    next: 'If the record reached the wrong student, ask a centre admin.',
  },
  ROLE_REQUIRED: {
    summary: 'Your role does not allow this.',
    next: 'Ask your centre admin.',
  },
  CENTRE_ADMIN_PROTECTED: {
    summary: "A head of year cannot change a centre admin's account.",
    next: 'Ask a centre admin.',
  },
  HEAD_OF_YEAR_CHANGES_DATA_ISSUER_ONLY: {
    summary: 'A head of year can change only the data issuer permission.',
    next: 'Ask a centre admin to change roles or switch accounts off.',
  },
  STAFF_EMAIL_EXISTS: {
    summary: 'Someone at the centre already has that e-mail address.',
    next: 'Find them in the staff list instead.',
  },
  GROUP_EXISTS: {
    summary: 'The centre already has a group of that kind and name.',
    next: 'Find it in the list of groups.',
  },
  CENTRE_TOO_LARGE_FOR_EXCEPTION: {
    summary:
      'The exams officer exception is only for centres of 50 students or fewer.',
    next: 'Leave it off: form tutors and subject staff make the codes.',
  },
  IMPORT_IN_PROGRESS: {
    summary: 'Another import for the centre is still running.',
    next: 'Wait a minute and try again.',
  },
  REPORT_CHANGED: {
    summary: 'Someone acted on this report while you had it open.',
    next: 'Open it again to see where it is now.',
  },
  REPORT_NOT_OPEN: {
    summary: 'This report has already been acknowledged.',
    next: 'Resolve it or refer it to the helpdesk.',
  },
  REPORT_NOT_UNRESOLVED: {
    summary: 'This report is already resolved or referred.',
    next: 'Nothing more is needed from you.',
  },
  REASSIGN_NOT_ALLOWED: {
    summary: 'Only heads of year and centre admins can reassign a report.',
    next: 'Refer it to the helpdesk instead, or ask a head of year.',
  },
  STAFF_NOT_ASSIGNABLE: {
    summary: 'That member of staff cannot take the report.',
    next: 'Choose someone active at the centre.',
  },
  SERVICE_UNAVAILABLE: {
    summary: 'The service is busy.',
    next: 'Wait a moment and try again.',
  },
  PAYLOAD_TOO_LARGE: {
    summary: 'The file is too large.',
    next: 'Split it into smaller files and import each.',
  },
  FILE_NOT_UTF8: {
    summary: 'The file is not saved as UTF-8 text.',
    next: 'Export it from the MIS again as CSV (UTF-8).',
  },
  REPEATED_PARAMETER: {
    summary: 'The address asks for something twice.',
    next: 'Go back and use the links on the page.',
  },
  EMPTY_FILE: {
    summary: 'The file has no rows.',
    next: 'Paste the whole export, with its header line.',
  },
  UNCLOSED_QUOTE: {
    summary: 'The file has a quotation mark that is never closed.',
    next: 'Export it from the MIS again.',
  },
};

/** Our own refusals, which never reach the API. */
const console_: Record<string, Omit<Refusal, 'field'>> = {
  SIGN_IN_FAILED: {
    summary: 'The e-mail address or password is not right.',
    next: 'Check them and try again. After several tries, wait a few minutes.',
  },
  SIGN_IN_NOT_FINISHED: {
    summary: 'Your sign-in still needs setting up.',
    next: 'Finish setting it up from the invitation e-mail, then sign in here.',
  },
  NO_CENTRE: {
    summary: 'You are not on the staff of any centre.',
    next: 'Ask your centre admin to add you. The operator and helpdesk do not use this console.',
  },
};

/** The refusal to show for an API error body (or none). */
export function refusalFor(status: number, body: unknown): Refusal {
  const error = (body as { error?: unknown } | undefined)?.error;
  const code =
    typeof error === 'object' && error !== null
      ? (error as { code?: unknown }).code
      : undefined;
  const message =
    typeof error === 'object' && error !== null
      ? (error as { message?: unknown }).message
      : undefined;
  const field =
    typeof error === 'object' && error !== null
      ? (error as { field?: unknown }).field
      : undefined;
  const known = typeof code === 'string' ? plain[code] : undefined;
  const fieldPart = typeof field === 'string' ? { field } : {};
  if (known) return { ...known, ...fieldPart };
  if (status === 404) return { ...plain.NOT_FOUND, ...fieldPart } as Refusal;
  if (typeof message === 'string' && status < 500) {
    return {
      summary: message,
      next: 'Check what you entered and try again.',
      ...fieldPart,
    };
  }

  return {
    summary: 'Something went wrong on our side.',
    next: 'Try again in a few minutes. If it keeps happening, tell the helpdesk.',
  };
}

/** One of the console's own refusals. */
export function consoleRefusal(code: keyof typeof console_): Refusal {
  return { ...console_[code] } as Refusal;
}
