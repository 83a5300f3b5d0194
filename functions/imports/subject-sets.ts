/**
 * Group membership a centre uploads: which students, by UPN, are in each
 * form, year or subject group.
 */
import {
  type CellRules,
  type ColumnSpecs,
  cellAt,
  type Rejection,
  readTable,
  rowShapeRejection,
} from './csv.js';
import { normaliseName, normaliseUpn, upnProblem } from './identifiers.js';

export const groupKinds = ['form', 'year', 'subject'] as const;

export type GroupKind = (typeof groupKinds)[number];

const kindSet: ReadonlySet<string> = new Set(groupKinds);

const isGroupKind = (s: string): s is GroupKind => kindSet.has(s);

export interface SubjectSetRow {
  line: number;
  group: string;
  kind: GroupKind;
  upn: string;
}

export interface SubjectSetsParse {
  rows: SubjectSetRow[];
  /** Exact repeats of an accepted row; membership is recorded once. */
  duplicates: { line: number; sameAs: number }[];
  rejected: Rejection[];
}

type SubjectSetField = Exclude<keyof SubjectSetRow, 'line'>;

export const subjectSetColumns = {
  group: { required: true, headers: ['Group', 'Group Name', 'Set'] },
  kind: { required: true, headers: ['Kind', 'Group Kind', 'Type'] },
  upn: { required: true, headers: ['UPN', 'Unique Pupil Number'] },
} as const satisfies ColumnSpecs<SubjectSetField>;

// A group name has the JSON route's limit (POST /centres/{urn}/groups).
const cellRules = {
  group: { max: 100, unsafe: 'INVALID_GROUP' },
  kind: { max: 50 },
  upn: { max: 50 },
} as const satisfies CellRules<SubjectSetField>;

const FIX = 'Correct the file and upload it again.';

const labels: Record<SubjectSetField, string> = {
  group: 'group name',
  kind: 'kind of group',
  upn: 'UPN',
};

const messages = {
  invalidKind: `The kind of group must be ${groupKinds.join(', ')}. ${FIX}`,
  conflictingKind:
    'An earlier row gives this group a different kind. A group has one ' +
    'kind; the earlier row was kept. ' +
    FIX,
  upnFormat:
    'The UPN is not in the right form: one letter, eleven digits, then a ' +
    'digit or letter (the letters I, O and S are never used). ' +
    FIX,
  upnCheck: `The UPN's check letter does not match the rest of the UPN. ${FIX}`,
} as const;

const required = (field: SubjectSetField) =>
  `The ${labels[field]} is missing. ${FIX}`;

/**
 * Reads a group membership file. A group's kind is set by its first
 * accepted row; a later row giving it another kind is rejected.
 */
export function parseSubjectSets(text: string): SubjectSetsParse {
  const { columns, width, rows: records } = readTable(text, subjectSetColumns);
  const rows: SubjectSetRow[] = [];
  const duplicates: SubjectSetsParse['duplicates'] = [];
  const rejected: Rejection[] = [];
  const kindOfGroup = new Map<string, GroupKind>();
  const members = new Map<string, number>();

  for (const record of records) {
    const { line, cells } = record;
    const reject = (field: string, code: string, message: string) =>
      rejected.push({ line, field, code, message });

    const unfit = rowShapeRejection(record, width, columns, cellRules, {
      labels,
      fix: FIX,
    });
    if (unfit) {
      rejected.push(unfit);
      continue;
    }

    const group = normaliseName(cellAt(cells, columns.group));
    if (group === '') {
      reject('group', 'REQUIRED', required('group'));
      continue;
    }

    const kind = cellAt(cells, columns.kind).toLowerCase();
    if (kind === '') {
      reject('kind', 'REQUIRED', required('kind'));
      continue;
    }
    if (!isGroupKind(kind)) {
      reject('kind', 'INVALID_KIND', messages.invalidKind);
      continue;
    }

    const upn = normaliseUpn(cellAt(cells, columns.upn));
    if (upn === '') {
      reject('upn', 'REQUIRED', required('upn'));
      continue;
    }
    const problem = upnProblem(upn);
    if (problem) {
      reject(
        'upn',
        'INVALID_UPN',
        problem === 'check' ? messages.upnCheck : messages.upnFormat,
      );
      continue;
    }

    const knownKind = kindOfGroup.get(group);
    if (knownKind !== undefined && knownKind !== kind) {
      reject('kind', 'CONFLICTING_KIND', messages.conflictingKind);
      continue;
    }

    const memberKey = JSON.stringify([group, upn]);
    const sameAs = members.get(memberKey);
    if (sameAs !== undefined) {
      duplicates.push({ line, sameAs });
      continue;
    }

    kindOfGroup.set(group, kind);
    members.set(memberKey, line);
    rows.push({ line, group, kind, upn });
  }

  return { rows, duplicates, rejected };
}
