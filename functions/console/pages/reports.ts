/**
 * My error reports: the reports assigned to me, each with its history,
 * and the three things I can do: acknowledge, resolve and refer.
 */
import { segment } from '../api-client.js';
import type { ConsoleRoute, Signed } from '../app.js';
import {
  backLink,
  button,
  choices,
  postForm,
  refusalSummary,
  summaryList,
  type TagColour,
  table,
  tag,
  textarea,
} from '../components.js';
import { html } from '../html.js';
import { heading } from '../layout.js';
import { refusalFor } from '../messages.js';
import { formatTime, refusalPage, render } from './common.js';

const kinds: Record<string, string> = {
  'missing-qualification': 'A qualification is missing',
  'unexpected-qualification': 'A qualification is not theirs',
  'wrong-grade': 'A grade is wrong',
  'wrong-personal-details': 'Personal details are wrong',
  other: 'Something else',
};

const statusTags: Record<string, { text: string; colour: TagColour }> = {
  open: { text: 'New', colour: 'blue' },
  acknowledged: { text: 'Acknowledged', colour: 'yellow' },
  resolved: { text: 'Resolved', colour: 'green' },
  referred: { text: 'Referred to helpdesk', colour: 'purple' },
};

const statusTag = (status: string) => {
  const known = statusTags[status];
  return known ? tag(known.text, known.colour) : tag(status, 'grey');
};

interface Report {
  reportId: string;
  kind: string;
  status: string;
  details: string;
  createdAt: string;
  qualification?: { qan: string; subject: string };
  history?: { at: string; by?: string; action: string; detail?: string }[];
}

async function myReports(ctx: Signed) {
  const all = ctx.req.query.get('show') === 'all';
  const answer = await ctx.api(
    'GET',
    `/centres/${segment(ctx.urn)}/error-reports`,
    { query: { assigned: 'me', ...(all ? {} : { status: 'unresolved' }) } },
  );
  if (answer.status !== 200) return refusalPage(ctx, answer, 'reports');
  const items = answer.body.items as Report[];

  return render(ctx, {
    title: 'My error reports',
    active: 'reports',
    content: html`${heading('My error reports')}
  <p class="govuk-body">Students report errors in their record from the app. Each report waits on you until you act on it; if nobody does, it goes to a head of year, then a centre admin, then the helpdesk.</p>
  <p class="govuk-body">${
    all
      ? html`Showing every report assigned to you. <a class="govuk-link" href="/console/reports">Show only those waiting on you</a>`
      : html`Showing reports waiting on you. <a class="govuk-link" href="/console/reports?show=all">Show all, resolved too</a>`
  }</p>
  ${
    items.length === 0
      ? html`<p class="govuk-body">There are no reports to show.</p>`
      : table({
          caption: `${items.length} ${items.length === 1 ? 'report' : 'reports'}`,
          head: ['Report', 'Received', 'Status'],
          rows: items.map((r) => [
            html`<a class="govuk-link" href="/console/reports/${r.reportId}">${kinds[r.kind] ?? r.kind}</a>`,
            formatTime(r.createdAt),
            statusTag(r.status),
          ]),
        })
  }`,
  });
}

const actionWords: Record<string, string> = {
  reported: 'Reported by the student',
  assigned: 'Assigned',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  referred: 'Referred to the helpdesk',
  escalated: 'Escalated',
  reassigned: 'Reassigned',
  'escalated-to-helpdesk': 'Sent to the helpdesk: nobody acted in time',
  'helpdesk-replied': 'The helpdesk replied',
  'helpdesk-closed': 'The helpdesk closed it',
};

async function reportPage(
  ctx: Signed,
  params: Record<string, string>,
  problem?: ReturnType<typeof refusalFor>,
  done?: string,
) {
  const path = `/centres/${segment(ctx.urn)}/error-reports/${segment(params.reportId ?? '')}`;
  const answer = await ctx.api('GET', path);
  if (answer.status !== 200) return refusalPage(ctx, answer, 'reports');
  const r = answer.body as Report;
  const base = `/console/reports/${r.reportId}`;
  const csrf = ctx.session.data.csrfToken;
  const unresolved = r.status === 'open' || r.status === 'acknowledged';

  return render(ctx, {
    title: kinds[r.kind] ?? 'Error report',
    active: 'reports',
    hasErrors: problem !== undefined,
    beforeContent: backLink('/console/reports', 'Back to My error reports'),
    content: html`${problem ? refusalSummary(problem) : ''}
  ${done ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="done-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="done-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${done}</p></div></div>` : ''}
  ${heading(kinds[r.kind] ?? 'Error report', 'Error report')}
  ${summaryList([
    { key: 'Status', value: statusTag(r.status) },
    { key: 'Received', value: formatTime(r.createdAt) },
    ...(r.qualification
      ? [
          {
            key: 'Qualification',
            value: `${r.qualification.subject} (${r.qualification.qan})`,
          },
        ]
      : []),
    {
      key: 'What the student says',
      value: html`<span class="console-pre">${r.details}</span>`,
    },
  ])}
  ${
    unresolved
      ? html`${
          r.status === 'open'
            ? postForm(
                `${base}/acknowledge`,
                csrf,
                button('Acknowledge: I am looking into it'),
              )
            : ''
        }
  <h2 class="govuk-heading-m">Resolve it</h2>
  ${postForm(
    `${base}/resolve`,
    csrf,
    html`${choices({
      kind: 'radios',
      name: 'outcome',
      idPrefix: 'outcome',
      legend: 'What did you find?',
      items: [
        {
          value: 'corrected',
          text: 'The record was wrong and is corrected in the MIS',
        },
        { value: 'no-error-found', text: 'The record is right' },
      ],
    })}
    ${textarea({ id: 'note', label: 'A note for the student', hint: 'They see it in the app.', rows: 3 })}
    ${button('Resolve')}`,
  )}
  <h2 class="govuk-heading-m">Refer it to the helpdesk</h2>
  ${postForm(
    `${base}/refer`,
    csrf,
    html`${textarea({ id: 'summary', label: 'What the helpdesk needs to know', rows: 3 })}
    ${button('Refer to the helpdesk', { secondary: true })}`,
  )}`
      : ''
  }
  <h2 class="govuk-heading-m">History</h2>
  ${table({
    caption: 'What has happened to this report',
    captionSize: 's',
    head: ['When', 'What', 'Detail'],
    rows: (r.history ?? []).map((h) => [
      formatTime(h.at),
      actionWords[h.action] ?? h.action,
      h.detail ?? '',
    ]),
  })}`,
  });
}

function act(action: 'acknowledge' | 'resolve' | 'refer') {
  return async (ctx: Signed, params: Record<string, string>) => {
    const f = ctx.req.form;
    const json =
      action === 'resolve'
        ? { outcome: f.get('outcome') ?? '', note: f.get('note') ?? '' }
        : action === 'refer'
          ? { summary: f.get('summary') ?? '' }
          : undefined;
    const answer = await ctx.api(
      'POST',
      `/centres/${segment(ctx.urn)}/error-reports/${segment(params.reportId ?? '')}/${action}`,
      json ? { json } : {},
    );
    if (answer.status !== 200) {
      return reportPage(ctx, params, refusalFor(answer.status, answer.body));
    }
    const done = {
      acknowledge: 'You have acknowledged the report.',
      resolve: 'The report is resolved. The student sees your note.',
      refer: 'The report is referred to the helpdesk.',
    }[action];

    return reportPage(ctx, params, undefined, done);
  };
}

export const reportRoutes: ConsoleRoute[] = [
  { method: 'GET', pattern: '/reports', handle: myReports },
  {
    method: 'GET',
    pattern: '/reports/:reportId',
    handle: (c, p) => reportPage(c, p),
  },
  {
    method: 'POST',
    pattern: '/reports/:reportId/acknowledge',
    handle: act('acknowledge'),
  },
  {
    method: 'POST',
    pattern: '/reports/:reportId/resolve',
    handle: act('resolve'),
  },
  { method: 'POST', pattern: '/reports/:reportId/refer', handle: act('refer') },
];
