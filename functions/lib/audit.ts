import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Caller } from './auth.js';
import type { Deps } from './deps.js';
import { newId } from './ids.js';
import { keys } from './keys.js';

/**
 * What an audit entry is about. Only identifiers go here, never names,
 * dates of birth, ULNs, UPNs or e-mail addresses.
 */
export interface AuditSubject {
  urn?: string;
  studentId?: string;
  staffId?: string;
  offerId?: string;
  reportId?: string;
  enquiryId?: string;
}

export interface AuditEntry {
  auditId: string;
  /** Stable and kebab-case: `offer-revoked`, `helpdesk-call`, ... */
  action: string;
  /** The sign-in that acted; `system` for the product's own workflows. */
  actor: string;
  actorGroups: string[];
  at: string;
  subject: AuditSubject;
  /** Free detail with no personal data: a route, a status, a count. */
  detail?: Record<string, string | number | boolean>;
}

/** Whoever acted: a caller, or the product itself. */
export type Actor = Caller | 'system';

/**
 * Writes one audit entry. Entries about a student are also listed under
 * that student (GSI1), so their trail shows them beside offers and chains.
 * Entries are never updated; each write has its own id, so a retry of the
 * request that caused it may add a second entry, never lose one.
 */
export async function recordAudit(
  deps: Deps,
  action: string,
  actor: Actor,
  subject: AuditSubject,
  detail?: AuditEntry['detail'],
): Promise<AuditEntry> {
  const at = deps.clock.now().toISOString();
  const entry: AuditEntry = {
    auditId: newId(),
    action,
    actor: actor === 'system' ? 'system' : actor.sub,
    actorGroups: actor === 'system' ? [] : [...actor.groups],
    at,
    subject,
    ...(detail ? { detail } : {}),
  };
  await deps.db.send(
    new PutCommand({
      TableName: deps.config.TABLE_NAME,
      Item: {
        ...keys.audit(at, entry.auditId),
        ...(subject.studentId
          ? keys.studentAudit(subject.studentId, at, entry.auditId)
          : {}),
        type: 'audit',
        ...entry,
      },
    }),
  );
  return entry;
}
