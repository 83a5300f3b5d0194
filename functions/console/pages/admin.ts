/**
 * Centre administration, for centre admins and heads of year: the roster
 * import with its per-row report, staff (create, import, roles, data
 * issuer, deactivate), groups (create, assign staff, add and remove
 * students, many at once from a pasted list of UPNs), the centre policy
 * and closure dates. What each may do is the API's to decide.
 */
import { type ApiAnswer, segment } from '../api-client.js';
import type { ConsoleRoute, PageResult, Signed } from '../app.js';
import {
  backLink,
  button,
  choices,
  input,
  notificationBanner,
  postForm,
  refusalSummary,
  select,
  summaryList,
  table,
  tag,
  textarea,
} from '../components.js';
import { type HtmlValue, html } from '../html.js';
import { heading } from '../layout.js';
import { refusalFor } from '../messages.js';
import { fullName, type ListedStudent, refusalPage, render } from './common.js';

const roles = [
  ['centre-admin', 'Centre admin'],
  ['head-of-year', 'Head of year'],
  ['form-tutor', 'Form tutor'],
  ['subject-staff', 'Subject staff'],
  ['exams-officer', 'Exams officer'],
] as const;
const roleName = (r: string) => roles.find(([v]) => v === r)?.[1] ?? r;

interface Outcome {
  banner?: HtmlValue;
  refusal?: ReturnType<typeof refusalFor>;
}

const outcomeOf = (o: Outcome) =>
  html`${o.refusal ? refusalSummary(o.refusal) : ''}${o.banner ? notificationBanner(o.banner, { success: true }) : ''}`;

function adminPage(
  ctx: Signed,
  title: string,
  content: HtmlValue,
  o: Outcome = {},
  back = '/console/admin',
) {
  return render(ctx, {
    title,
    active: 'admin',
    hasErrors: o.refusal !== undefined,
    beforeContent: backLink(back, 'Back'),
    content: html`${outcomeOf(o)}${heading(title, 'Centre administration')}${content}`,
  });
}

const urnOf = (ctx: Signed) => `/centres/${segment(ctx.urn)}`;
const refused = (a: ApiAnswer) => refusalFor(a.status, a.body);

function overview(ctx: Signed) {
  const links = [
    [
      '/console/admin/roster',
      'Import the roster',
      'The MIS export: students, forms and year groups.',
    ],
    [
      '/console/admin/staff',
      'Staff',
      'Create, import, roles, data issuer, switch off.',
    ],
    [
      '/console/admin/groups',
      'Groups',
      'Create groups, assign staff, add and remove students.',
    ],
    [
      '/console/admin/policy',
      'Centre policy',
      'How long codes last; the exams officer exception.',
    ],
    [
      '/console/admin/closures',
      'Closure dates',
      'Days report waits do not count.',
    ],
  ];

  return render(ctx, {
    title: 'Centre administration',
    active: 'admin',
    content: html`${heading('Centre administration')}
  <ul class="govuk-list">${links.map(
    ([href, text, hint]) =>
      html`<li><a class="govuk-link govuk-!-font-weight-bold" href="${href}">${text}</a><br><span class="govuk-body-s">${hint}</span></li>`,
  )}</ul>`,
  });
}

// Roster

function rosterForm(ctx: Signed, o: Outcome = {}, report?: HtmlValue) {
  return adminPage(
    ctx,
    'Import the roster',
    html`${report ?? ''}
  ${postForm(
    '/console/admin/roster',
    ctx.session.data.csrfToken,
    html`${textarea({
      id: 'csv',
      label: 'The roster export (CSV)',
      hint: 'Open the MIS export in a text editor, copy all of it, and paste it here, header line included.',
      rows: 12,
    })}
    ${choices({
      kind: 'checkboxes',
      name: 'roll',
      idPrefix: 'roll',
      legend: 'Whole roll',
      items: [
        {
          value: 'full',
          text: 'This is the whole roll: mark students not in it as left',
        },
      ],
    })}
    ${button('Import')}`,
  )}`,
    o,
  );
}

async function importRoster(ctx: Signed): Promise<PageResult> {
  const csv = ctx.req.form.get('csv') ?? '';
  const full = ctx.req.form.get('roll') === 'full';
  const answer = await ctx.api('POST', `${urnOf(ctx)}/students/import`, {
    csv,
    query: full ? { roll: 'full' } : {},
  });
  if (answer.status !== 200) {
    return rosterForm(ctx, { refusal: refused(answer) });
  }
  const r = answer.body as {
    created: number;
    updated: number;
    unchanged: number;
    duplicates: { line: number; sameAs: number }[];
    left: string[];
    rejected: { line: number; field: string; code: string; message: string }[];
  };
  const report = html`<h2 class="govuk-heading-m">Import report</h2>
  ${summaryList([
    { key: 'Students created', value: r.created },
    { key: 'Students updated', value: r.updated },
    { key: 'Unchanged', value: r.unchanged },
    { key: 'Marked as left', value: r.left.length },
    { key: 'Duplicate rows', value: r.duplicates.length },
    { key: 'Rows rejected', value: r.rejected.length },
  ])}
  ${
    r.rejected.length
      ? table({
          caption: 'Rows rejected',
          head: ['Line', 'Column', 'Problem'],
          rows: r.rejected.map((x) => [x.line, x.field, x.message]),
        })
      : ''
  }
  ${
    r.duplicates.length
      ? table({
          caption: 'Duplicate rows (the earlier row was kept)',
          head: ['Line', 'Same as line'],
          rows: r.duplicates.map((d) => [d.line, d.sameAs]),
        })
      : ''
  }`;

  return rosterForm(
    ctx,
    {
      banner: `The roster is imported: ${r.created} created, ${r.updated} updated.`,
    },
    report,
  );
}

// Staff

interface StaffItem {
  staffId: string;
  email: string;
  givenName: string;
  familyName: string;
  roles: string[];
  dataIssuer: boolean;
  active: boolean;
  groupIds: string[];
}

async function allStaff(ctx: Signed): Promise<StaffItem[] | ApiAnswer> {
  const items: StaffItem[] = [];
  let cursor: string | undefined;
  do {
    const answer = await ctx.api('GET', `${urnOf(ctx)}/staff`, {
      query: { limit: '200', cursor },
    });
    if (answer.status !== 200) return answer;
    items.push(...answer.body.items);
    cursor = answer.body.cursor ?? undefined;
  } while (cursor);

  return items;
}

async function staffPage(ctx: Signed, o: Outcome = {}): Promise<PageResult> {
  const staff = await allStaff(ctx);
  if (!Array.isArray(staff)) return refusalPage(ctx, staff, 'admin');
  const csrf = ctx.session.data.csrfToken;

  return adminPage(
    ctx,
    'Staff',
    html`${table({
      caption: `${staff.length} staff`,
      head: ['Name', 'Roles', 'Data issuer', 'Account'],
      rows: staff.map((s) => [
        html`<a class="govuk-link" href="/console/admin/staff/${s.staffId}">${s.givenName} ${s.familyName}</a><br><span class="govuk-body-s">${s.email}</span>`,
        s.roles.map(roleName).join(', '),
        s.dataIssuer ? 'Yes' : 'No',
        s.active ? tag('Active', 'green') : tag('Switched off', 'grey'),
      ]),
    })}
  <h2 class="govuk-heading-m">Add a member of staff</h2>
  ${postForm(
    '/console/admin/staff',
    csrf,
    html`${input({ id: 'email', label: 'E-mail address', type: 'email', spellcheck: false, autocomplete: 'off' })}
    ${input({ id: 'givenName', label: 'Given name', autocomplete: 'off' })}
    ${input({ id: 'familyName', label: 'Family name', autocomplete: 'off' })}
    ${choices({
      kind: 'checkboxes',
      name: 'roles',
      idPrefix: 'roles',
      legend: 'Roles',
      items: roles.map(([value, text]) => ({ value, text })),
    })}
    ${choices({
      kind: 'checkboxes',
      name: 'dataIssuer',
      idPrefix: 'dataIssuer',
      legend: 'Data issuer',
      items: [
        { value: 'yes', text: 'They may vouch for students and make codes' },
      ],
    })}
    ${button('Add and send the invitation')}`,
  )}
  <h2 class="govuk-heading-m">Import a staff list</h2>
  ${postForm(
    '/console/admin/staff/import',
    csrf,
    html`${textarea({ id: 'csv', label: 'The staff list (CSV)', hint: 'Columns: Email, Given Name, Family Name, Roles, Data Issuer, Groups.', rows: 6 })}
    ${button('Import staff', { secondary: true })}`,
  )}`,
    o,
  );
}

async function createStaff(ctx: Signed): Promise<PageResult> {
  const f = ctx.req.form;
  const answer = await ctx.api('POST', `${urnOf(ctx)}/staff`, {
    json: {
      email: (f.get('email') ?? '').trim(),
      givenName: f.get('givenName') ?? '',
      familyName: f.get('familyName') ?? '',
      roles: f.getAll('roles'),
      dataIssuer: f.get('dataIssuer') === 'yes',
    },
  });
  if (answer.status !== 201)
    return staffPage(ctx, { refusal: refused(answer) });

  return staffPage(ctx, {
    banner: `${answer.body.givenName} ${answer.body.familyName} is added and invited.`,
  });
}

async function importStaff(ctx: Signed): Promise<PageResult> {
  const answer = await ctx.api('POST', `${urnOf(ctx)}/staff/import`, {
    csv: ctx.req.form.get('csv') ?? '',
  });
  if (answer.status !== 200)
    return staffPage(ctx, { refusal: refused(answer) });
  const r = answer.body as {
    created: number;
    existing: number;
    rejected: { line: number; field: string; message: string }[];
  };

  return staffPage(ctx, {
    banner: html`Staff list imported: ${r.created} created, ${r.existing} already here, ${r.rejected.length} rows rejected${r.rejected.map((x) => html`<br>Line ${x.line} (${x.field}): ${x.message}`)}`,
  });
}

async function staffMemberPage(
  ctx: Signed,
  params: Record<string, string>,
  o: Outcome = {},
): Promise<PageResult> {
  const staff = await allStaff(ctx);
  if (!Array.isArray(staff)) return refusalPage(ctx, staff, 'admin');
  const member = staff.find((s) => s.staffId === params.staffId);
  if (!member)
    return refusalPage(ctx, { status: 404, body: undefined }, 'admin');

  return adminPage(
    ctx,
    `${member.givenName} ${member.familyName}`,
    html`${summaryList([
      { key: 'E-mail address', value: member.email },
      { key: 'Account', value: member.active ? 'Active' : 'Switched off' },
    ])}
  ${postForm(
    `/console/admin/staff/${member.staffId}`,
    ctx.session.data.csrfToken,
    html`${choices({
      kind: 'checkboxes',
      name: 'roles',
      idPrefix: 'roles',
      legend: 'Roles',
      items: roles.map(([value, text]) => ({
        value,
        text,
        checked: member.roles.includes(value),
      })),
    })}
    ${choices({
      kind: 'radios',
      name: 'dataIssuer',
      idPrefix: 'dataIssuer',
      legend: 'Data issuer: may they vouch for students and make codes?',
      items: [
        { value: 'yes', text: 'Yes', checked: member.dataIssuer },
        { value: 'no', text: 'No', checked: !member.dataIssuer },
      ],
    })}
    ${choices({
      kind: 'radios',
      name: 'active',
      idPrefix: 'active',
      legend: 'Account',
      hint: 'Switching an account off cancels the codes they made that nobody has scanned.',
      items: [
        { value: 'yes', text: 'Active', checked: member.active },
        { value: 'no', text: 'Switched off', checked: !member.active },
      ],
    })}
    ${button('Save changes')}`,
  )}`,
    o,
    '/console/admin/staff',
  );
}

async function updateStaff(ctx: Signed, params: Record<string, string>) {
  const f = ctx.req.form;
  const change: Record<string, unknown> = {
    dataIssuer: f.get('dataIssuer') === 'yes',
  };
  // A head of year may change only the data issuer permission: the
  // other fields go only when the form holds them and they changed.
  const staff = await allStaff(ctx);
  const member = Array.isArray(staff)
    ? staff.find((s) => s.staffId === params.staffId)
    : undefined;
  const chosen = f.getAll('roles');
  if (member && chosen.sort().join() !== [...member.roles].sort().join()) {
    change.roles = chosen;
  }
  const active = f.get('active') === 'yes';
  if (member && active !== member.active) change.active = active;
  const answer = await ctx.api(
    'PATCH',
    `${urnOf(ctx)}/staff/${segment(params.staffId ?? '')}`,
    { json: change },
  );
  if (answer.status !== 200) {
    return staffMemberPage(ctx, params, { refusal: refused(answer) });
  }

  return staffMemberPage(ctx, params, { banner: 'The changes are saved.' });
}

// Groups

interface GroupItem {
  groupId: string;
  name: string;
  kind: string;
}

async function allGroups(ctx: Signed): Promise<GroupItem[] | ApiAnswer> {
  const items: GroupItem[] = [];
  let cursor: string | undefined;
  do {
    const answer = await ctx.api('GET', `${urnOf(ctx)}/groups`, {
      query: { limit: '200', cursor },
    });
    if (answer.status !== 200) return answer;
    items.push(...answer.body.items);
    cursor = answer.body.cursor ?? undefined;
  } while (cursor);

  return items.sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));
}

const kindNames: Record<string, string> = {
  form: 'Form group',
  year: 'Year group',
  subject: 'Subject group',
};

async function groupsPage(ctx: Signed, o: Outcome = {}): Promise<PageResult> {
  const groups = await allGroups(ctx);
  if (!Array.isArray(groups)) return refusalPage(ctx, groups, 'admin');

  return adminPage(
    ctx,
    'Groups',
    html`<p class="govuk-body">Form and year groups follow the roster on every import. Subject groups come from a subject-set list or are made here.</p>
  ${postForm(
    '/console/admin/groups',
    ctx.session.data.csrfToken,
    html`<h2 class="govuk-heading-m">Create a group</h2>
    ${input({ id: 'name', label: 'Name', width: '20', autocomplete: 'off' })}
    ${select({
      id: 'kind',
      label: 'Kind',
      items: [
        { value: 'subject', text: 'Subject group' },
        { value: 'form', text: 'Form group' },
        { value: 'year', text: 'Year group' },
      ],
    })}
    ${button('Create group')}`,
  )}
  ${table({
    caption: `${groups.length} groups`,
    head: ['Group', 'Kind'],
    rows: groups.map((g) => [
      html`<a class="govuk-link" href="/console/admin/groups/${g.groupId}">${g.name}</a>`,
      kindNames[g.kind] ?? g.kind,
    ]),
  })}`,
    o,
  );
}

async function createGroup(ctx: Signed): Promise<PageResult> {
  const answer = await ctx.api('POST', `${urnOf(ctx)}/groups`, {
    json: {
      name: ctx.req.form.get('name') ?? '',
      kind: ctx.req.form.get('kind') ?? '',
    },
  });
  if (answer.status !== 201)
    return groupsPage(ctx, { refusal: refused(answer) });

  return groupsPage(ctx, {
    banner: html`The group <a class="govuk-notification-banner__link" href="/console/admin/groups/${answer.body.groupId}">${answer.body.name}</a> is created.`,
  });
}

async function groupPage(
  ctx: Signed,
  params: Record<string, string>,
  o: Outcome = {},
): Promise<PageResult> {
  const groupId = params.groupId ?? '';
  const [groups, staff] = await Promise.all([allGroups(ctx), allStaff(ctx)]);
  if (!Array.isArray(groups)) return refusalPage(ctx, groups, 'admin');
  if (!Array.isArray(staff)) return refusalPage(ctx, staff, 'admin');
  const group = groups.find((g) => g.groupId === groupId);
  if (!group)
    return refusalPage(ctx, { status: 404, body: undefined }, 'admin');
  const students: ListedStudent[] = [];
  let cursor: string | undefined;
  do {
    const answer = await ctx.api('GET', `${urnOf(ctx)}/students`, {
      query: { group: groupId, limit: '200', cursor },
    });
    if (answer.status !== 200) return refusalPage(ctx, answer, 'admin');
    students.push(...answer.body.items);
    cursor = answer.body.cursor ?? undefined;
  } while (cursor);
  const assigned = staff.filter((s) => s.groupIds.includes(groupId));
  const others = staff.filter((s) => s.active && !s.groupIds.includes(groupId));
  const csrf = ctx.session.data.csrfToken;
  const base = `/console/admin/groups/${groupId}`;

  return adminPage(
    ctx,
    group.name,
    html`<p class="govuk-body">${kindNames[group.kind] ?? group.kind}</p>
  <h2 class="govuk-heading-m">Staff assigned</h2>
  ${
    assigned.length
      ? html`<ul class="govuk-list govuk-list--bullet">${assigned.map(
          (s) =>
            html`<li>${s.givenName} ${s.familyName} (${s.roles.map(roleName).join(', ')})</li>`,
        )}</ul>`
      : html`<p class="govuk-body">Nobody is assigned yet.</p>`
  }
  ${
    others.length
      ? postForm(
          `${base}/staff`,
          csrf,
          html`${select({
            id: 'staffId',
            label: 'Assign a member of staff',
            items: others.map((s) => ({
              value: s.staffId,
              text: `${s.givenName} ${s.familyName} (${s.email})`,
            })),
          })}
          ${button('Assign', { secondary: true })}`,
        )
      : ''
  }
  <h2 class="govuk-heading-m">Add students</h2>
  ${postForm(
    `${base}/students`,
    csrf,
    html`${textarea({
      id: 'upns',
      label: 'UPNs of the students to add',
      hint: 'Paste them from a spreadsheet: one a line, or separated by commas or spaces.',
      rows: 4,
    })}
    ${button('Add students', { secondary: true })}`,
  )}
  ${table({
    caption: `${students.length} students`,
    head: ['Student', 'Form', ''],
    rows: students.map((s) => [
      fullName(s),
      s.form ?? '',
      postForm(
        `${base}/students/${s.studentId}/remove`,
        csrf,
        html`<button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Remove<span class="govuk-visually-hidden"> ${fullName(s)}</span></button>`,
      ),
    ]),
  })}`,
    o,
    '/console/admin/groups',
  );
}

async function assignStaff(ctx: Signed, params: Record<string, string>) {
  const answer = await ctx.api(
    'PUT',
    `${urnOf(ctx)}/groups/${segment(params.groupId ?? '')}/staff/${segment(ctx.req.form.get('staffId') ?? '')}`,
  );
  if (answer.status !== 200)
    return groupPage(ctx, params, { refusal: refused(answer) });

  return groupPage(ctx, params, { banner: 'The member of staff is assigned.' });
}

async function addStudents(ctx: Signed, params: Record<string, string>) {
  const upns = (ctx.req.form.get('upns') ?? '')
    .split(/[\s,;]+/)
    .map((u) => u.trim())
    .filter(Boolean);
  const answer = await ctx.api(
    'POST',
    `${urnOf(ctx)}/groups/${segment(params.groupId ?? '')}/students`,
    { json: { upns } },
  );
  if (answer.status !== 200)
    return groupPage(ctx, params, { refusal: refused(answer) });
  const body = answer.body as { added: string[]; notFound: unknown[] };
  const missing = body.notFound.length;

  return groupPage(ctx, params, {
    banner:
      `Students added: ${body.added.length}.` +
      (missing ? ` ${missing} UPNs matched no student on roll.` : ''),
  });
}

async function removeStudent(ctx: Signed, params: Record<string, string>) {
  const answer = await ctx.api(
    'DELETE',
    `${urnOf(ctx)}/groups/${segment(params.groupId ?? '')}/students/${segment(params.studentId ?? '')}`,
  );
  if (answer.status !== 204) {
    return groupPage(ctx, params, { refusal: refused(answer) });
  }

  return groupPage(ctx, params, {
    banner: 'The student is removed from the group.',
  });
}

// Policy and closures

async function policyPage(ctx: Signed, o: Outcome = {}): Promise<PageResult> {
  const answer = await ctx.api('GET', urnOf(ctx));
  if (answer.status !== 200) return refusalPage(ctx, answer, 'admin');
  const policy = answer.body.policy as {
    examsOfficerMayVouch: boolean;
    offerLifetimeMinutes: number;
  };

  return adminPage(
    ctx,
    'Centre policy',
    postForm(
      '/console/admin/policy',
      ctx.session.data.csrfToken,
      html`${input({
        id: 'offerLifetimeMinutes',
        label: 'How many minutes a code lasts before it expires',
        hint: 'From 2 to 30.',
        value: String(policy.offerLifetimeMinutes),
        width: '2',
      })}
      ${choices({
        kind: 'radios',
        name: 'examsOfficerMayVouch',
        idPrefix: 'examsOfficerMayVouch',
        legend: 'May the exams officer vouch for students in their groups?',
        hint: 'Only for a centre of 50 students or fewer on roll.',
        items: [
          { value: 'yes', text: 'Yes', checked: policy.examsOfficerMayVouch },
          { value: 'no', text: 'No', checked: !policy.examsOfficerMayVouch },
        ],
      })}
      ${button('Save policy')}`,
    ),
    o,
  );
}

async function savePolicy(ctx: Signed): Promise<PageResult> {
  const f = ctx.req.form;
  const answer = await ctx.api('PUT', `${urnOf(ctx)}/policy`, {
    json: {
      examsOfficerMayVouch: f.get('examsOfficerMayVouch') === 'yes',
      offerLifetimeMinutes: Number(f.get('offerLifetimeMinutes') ?? ''),
    },
  });
  if (answer.status !== 200)
    return policyPage(ctx, { refusal: refused(answer) });

  return policyPage(ctx, { banner: 'The policy is saved.' });
}

async function closuresPage(ctx: Signed, o: Outcome = {}): Promise<PageResult> {
  const answer = await ctx.api('GET', `${urnOf(ctx)}/closures`);
  if (answer.status !== 200) return refusalPage(ctx, answer, 'admin');
  const dates = (answer.body.dates ?? []) as string[];

  return adminPage(
    ctx,
    'Closure dates',
    postForm(
      '/console/admin/closures',
      ctx.session.data.csrfToken,
      html`${textarea({
        id: 'dates',
        label: 'Days the centre is closed',
        hint: 'One a line, as YYYY-MM-DD. Report waits count school days and skip these.',
        value: dates.join('\n'),
        rows: 8,
      })}
      ${button('Save closure dates')}`,
    ),
    o,
  );
}

async function saveClosures(ctx: Signed): Promise<PageResult> {
  const dates = (ctx.req.form.get('dates') ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
  const answer = await ctx.api('PUT', `${urnOf(ctx)}/closures`, {
    json: { dates },
  });
  if (answer.status !== 200)
    return closuresPage(ctx, { refusal: refused(answer) });

  return closuresPage(ctx, { banner: 'The closure dates are saved.' });
}

export const adminRoutes: ConsoleRoute[] = [
  { method: 'GET', pattern: '/admin', handle: async (c) => overview(c) },
  {
    method: 'GET',
    pattern: '/admin/roster',
    handle: async (c) => rosterForm(c),
  },
  { method: 'POST', pattern: '/admin/roster', handle: importRoster },
  { method: 'GET', pattern: '/admin/staff', handle: (c) => staffPage(c) },
  { method: 'POST', pattern: '/admin/staff', handle: createStaff },
  { method: 'POST', pattern: '/admin/staff/import', handle: importStaff },
  {
    method: 'GET',
    pattern: '/admin/staff/:staffId',
    handle: (c, p) => staffMemberPage(c, p),
  },
  { method: 'POST', pattern: '/admin/staff/:staffId', handle: updateStaff },
  { method: 'GET', pattern: '/admin/groups', handle: (c) => groupsPage(c) },
  { method: 'POST', pattern: '/admin/groups', handle: createGroup },
  {
    method: 'GET',
    pattern: '/admin/groups/:groupId',
    handle: (c, p) => groupPage(c, p),
  },
  {
    method: 'POST',
    pattern: '/admin/groups/:groupId/staff',
    handle: assignStaff,
  },
  {
    method: 'POST',
    pattern: '/admin/groups/:groupId/students',
    handle: addStudents,
  },
  {
    method: 'POST',
    pattern: '/admin/groups/:groupId/students/:studentId/remove',
    handle: removeStudent,
  },
  { method: 'GET', pattern: '/admin/policy', handle: (c) => policyPage(c) },
  { method: 'POST', pattern: '/admin/policy', handle: savePolicy },
  { method: 'GET', pattern: '/admin/closures', handle: (c) => closuresPage(c) },
  { method: 'POST', pattern: '/admin/closures', handle: saveClosures },
];
