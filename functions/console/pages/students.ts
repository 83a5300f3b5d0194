/**
 * My students (the students of my groups, by group, searchable) and the
 * vouch: the tutor confirms the student in front of them and the console
 * makes the QR code straight after.
 */
import { segment } from '../api-client.js';
import { type ConsoleRoute, redirect, type Signed } from '../app.js';
import {
  backLink,
  button,
  choices,
  dateInput,
  errorSummary,
  type FieldError,
  input,
  postForm,
  refusalSummary,
  summaryList,
  table,
  tag,
} from '../components.js';
import { html } from '../html.js';
import { heading } from '../layout.js';
import { type Refusal, refusalFor } from '../messages.js';
import { rememberOffer } from '../session.js';
import {
  fullName,
  type ListedStudent,
  lookAlikeReasons,
  offerTag,
  refusalPage,
  render,
} from './common.js';

/** The API's largest page of students. */
const pageSize = 200;

async function studentsOf(
  ctx: Signed,
  query: { group?: string; q?: string },
): Promise<
  { items: ListedStudent[] } | { refused: ReturnType<typeof refusalPage> }
> {
  const items: ListedStudent[] = [];
  let cursor: string | undefined;
  do {
    const answer = await ctx.api(
      'GET',
      `/centres/${segment(ctx.urn)}/students`,
      { query: { ...query, limit: String(pageSize), cursor } },
    );
    if (answer.status !== 200) {
      return { refused: refusalPage(ctx, answer, 'students') };
    }
    items.push(...answer.body.items);
    cursor = answer.body.cursor ?? undefined;
  } while (cursor);

  return { items };
}

function lookAlikeWarning(
  student: ListedStudent,
  byId: Map<string, ListedStudent>,
) {
  if (student.lookAlikes.length === 0) return '';
  return html`${tag('Look-alike', 'yellow')}
  <ul class="govuk-list govuk-body-s">${student.lookAlikes.map((l) => {
    const other = byId.get(l.studentId);
    return html`<li>${other ? fullName(other) : 'Another student'} ${lookAlikeReasons[l.reason] ?? 'is similar'}</li>`;
  })}</ul>`;
}

async function myStudents(ctx: Signed) {
  const q = (ctx.req.query.get('q') ?? '').trim().slice(0, 100);
  const sections = [];
  for (const group of ctx.me.groups) {
    const listed = await studentsOf(ctx, { group: group.groupId, q });
    if ('refused' in listed) return listed.refused;
    sections.push({ group, students: listed.items });
  }
  const byId = new Map(
    sections.flatMap((s) => s.students).map((s) => [s.studentId, s]),
  );
  const shown = sections.filter((s) => s.students.length > 0);

  return render(ctx, {
    title: 'My students',
    active: 'students',
    content: html`${heading('My students')}
  <form method="get" action="/console/students" class="console-search" role="search">
    ${input({ id: 'q', label: 'Search by name', value: q, width: '20', spellcheck: false })}
    <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Search</button>
  </form>
  ${
    ctx.me.groups.length === 0
      ? html`<p class="govuk-body">You are not assigned to any group yet. Ask a head of year or your centre admin to assign you to the groups you teach.</p>`
      : shown.length === 0
        ? html`<p class="govuk-body">No student in your groups matches “${q}”.</p>`
        : shown.map(({ group, students }) =>
            table({
              caption: `${group.name} (${students.length})`,
              head: ['Student', 'Form', 'Latest code', 'Check'],
              rows: students.map((s) => [
                html`<a class="govuk-link" href="/console/students/${s.studentId}/vouch">${fullName(s)}</a>`,
                s.form ?? '',
                offerTag(s.latestOffer?.status),
                lookAlikeWarning(s, byId),
              ]),
            }),
          )
  }`,
  });
}

async function findStudent(ctx: Signed, studentId: string) {
  const listed = await studentsOf(ctx, {});
  if ('refused' in listed) return listed;
  const byId = new Map(listed.items.map((s) => [s.studentId, s]));

  return { student: byId.get(studentId), byId };
}

interface VouchForm {
  day?: string;
  month?: string;
  year?: string;
  method?: string;
  acknowledged?: boolean;
}

function vouchPage(
  ctx: Signed,
  student: ListedStudent,
  byId: Map<string, ListedStudent>,
  form: VouchForm = {},
  problem?: { errors?: FieldError[]; refusal?: Refusal },
) {
  const errors = problem?.errors ?? [];
  const errorOf = (href: string) => errors.find((e) => e.href === href)?.text;
  const refusal = problem?.refusal;
  const dobError =
    errorOf('dob-day') ??
    (refusal?.field === 'dateOfBirth' ? refusal.summary : undefined);
  const lookAlikeError =
    errorOf('acknowledged') ??
    (refusal?.field === 'lookAlikeAcknowledged' ? refusal.summary : undefined);

  return render(ctx, {
    title: `Confirm ${fullName(student)}`,
    active: 'students',
    hasErrors: errors.length > 0 || refusal !== undefined,
    beforeContent: backLink('/console/students', 'Back to My students'),
    content: html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
  ${errorSummary(errors)}
  ${refusal ? refusalSummary(refusal, refusal.field === 'dateOfBirth' ? 'dob-day' : refusal.field === 'lookAlikeAcknowledged' ? 'acknowledged' : undefined) : ''}
  ${heading(`Confirm this is ${fullName(student)}`, 'Make a QR code')}
  ${summaryList([
    { key: 'Name', value: `${student.legalForename} ${student.legalSurname}` },
    ...(student.preferredForename
      ? [{ key: 'Known as', value: student.preferredForename }]
      : []),
    { key: 'Form', value: student.form ?? 'None' },
    { key: 'Year', value: student.year },
    {
      key: 'Photo',
      value:
        'Photos stay in the MIS. If you do not know the student well, ' +
        'look at their photo there before you go on.',
    },
  ])}
  ${
    student.lookAlikes.length > 0
      ? html`<div class="govuk-warning-text">
    <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
    <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> Another student could be taken for this one: ${student.lookAlikes.map(
      (l) => {
        const other = byId.get(l.studentId);
        return html`${other ? fullName(other) : 'a student'} ${lookAlikeReasons[l.reason] ?? 'is similar'}. `;
      },
    )}</strong>
  </div>`
      : ''
  }
  ${postForm(
    `/console/students/${student.studentId}/vouch`,
    ctx.session.data.csrfToken,
    html`${dateInput({
      idPrefix: 'dob',
      legend: 'What is your date of birth?',
      hint: 'Ask the student and type what they say. For example, 27 3 2010.',
      error: dobError,
      value: { day: form.day, month: form.month, year: form.year },
    })}
    ${choices({
      kind: 'radios',
      name: 'method',
      idPrefix: 'method',
      legend: 'How do you recognise this student?',
      error: errorOf('method'),
      items: [
        {
          value: 'in-person',
          text: 'I know them in person',
          checked: form.method === 'in-person',
        },
        {
          value: 'mis-photo',
          text: 'From their photo in the MIS, which I have just looked at',
          checked: form.method === 'mis-photo',
        },
      ],
    })}
    ${
      student.lookAlikes.length > 0
        ? choices({
            kind: 'checkboxes',
            name: 'acknowledged',
            idPrefix: 'acknowledged',
            legend: 'Look-alike',
            error: lookAlikeError,
            items: [
              {
                value: 'yes',
                text: 'I have checked this is not the look-alike shown above',
                checked: form.acknowledged,
              },
            ],
          })
        : ''
    }
    ${button('Confirm and show QR code')}`,
  )}
</div></div>`,
  });
}

async function showVouch(ctx: Signed, params: Record<string, string>) {
  const found = await findStudent(ctx, params.studentId ?? '');
  if ('refused' in found) return found.refused;
  if (!found.student) {
    return refusalPage(ctx, { status: 404, body: undefined }, 'students');
  }

  return vouchPage(ctx, found.student, found.byId);
}

function dateOf(form: VouchForm): string | undefined {
  const [d, m, y] = [form.day, form.month, form.year].map((p) =>
    (p ?? '').trim(),
  );
  if (!/^\d{1,2}$/.test(d ?? '') || !/^\d{1,2}$/.test(m ?? ''))
    return undefined;
  if (!/^\d{4}$/.test(y ?? '')) return undefined;

  return `${d?.padStart(2, '0')}/${m?.padStart(2, '0')}/${y}`;
}

async function vouch(ctx: Signed, params: Record<string, string>) {
  const found = await findStudent(ctx, params.studentId ?? '');
  if ('refused' in found) return found.refused;
  const student = found.student;
  if (!student) {
    return refusalPage(ctx, { status: 404, body: undefined }, 'students');
  }
  const f = ctx.req.form;
  const form: VouchForm = {
    day: f.get('dob-day') ?? '',
    month: f.get('dob-month') ?? '',
    year: f.get('dob-year') ?? '',
    method: f.get('method') ?? '',
    acknowledged: f.get('acknowledged') === 'yes',
  };
  const errors: FieldError[] = [];
  const dateOfBirth = dateOf(form);
  if (!dateOfBirth) {
    errors.push({
      href: 'dob-day',
      text: 'Enter the date of birth the student tells you, as day, month and year',
    });
  }
  if (form.method !== 'in-person' && form.method !== 'mis-photo') {
    errors.push({
      href: 'method',
      text: 'Select how you recognise the student',
    });
  }
  if (student.lookAlikes.length > 0 && !form.acknowledged) {
    errors.push({
      href: 'acknowledged',
      text: 'Confirm you have checked this is not the look-alike',
    });
  }
  if (errors.length > 0) {
    return vouchPage(ctx, student, found.byId, form, { errors });
  }

  const urn = segment(ctx.urn);
  const vouched = await ctx.api(
    'POST',
    `/centres/${urn}/students/${segment(student.studentId)}/vouches`,
    {
      json: {
        method: form.method,
        dateOfBirth,
        lookAlikeAcknowledged: form.acknowledged ?? false,
      },
    },
  );
  if (vouched.status !== 201) {
    return vouchPage(ctx, student, found.byId, form, {
      refusal: refusalFor(vouched.status, vouched.body),
    });
  }
  const offered = await ctx.api(
    'POST',
    `/centres/${urn}/vouches/${segment(vouched.body.vouchId)}/offers`,
  );
  if (offered.status !== 201) {
    return vouchPage(ctx, student, found.byId, form, {
      refusal: refusalFor(offered.status, offered.body),
    });
  }
  rememberOffer(ctx.session.data, {
    offerId: offered.body.offerId,
    studentId: student.studentId,
    studentName: fullName(student),
    txCode: offered.body.txCode,
    credentialOffer: offered.body.credentialOffer,
    expiresAt: offered.body.expiresAt,
  });
  await ctx.save();

  return redirect(ctx.deps, `/console/offers/${offered.body.offerId}`);
}

export const studentRoutes: ConsoleRoute[] = [
  { method: 'GET', pattern: '/students', handle: myStudents },
  { method: 'GET', pattern: '/students/:studentId/vouch', handle: showVouch },
  { method: 'POST', pattern: '/students/:studentId/vouch', handle: vouch },
];
