/** Small pieces several console pages share. */

import type { ApiAnswer } from '../api-client.js';
import { type ConsoleReply, reply, type Signed } from '../app.js';
import { type TagColour, tag } from '../components.js';
import { type HtmlValue, html, type SafeHtml } from '../html.js';
import { heading, page, type Section } from '../layout.js';
import { refusalFor } from '../messages.js';

export function render(
  ctx: Signed,
  o: {
    title: string;
    content: HtmlValue;
    active?: Section;
    hasErrors?: boolean;
    beforeContent?: HtmlValue;
    status?: number;
  },
): ConsoleReply {
  return reply(
    ctx.deps,
    o.status ?? 200,
    page({
      title: o.title,
      assetsUrl: ctx.deps.settings.CONSOLE_ASSETS_URL,
      content: o.content,
      viewer: ctx.viewer,
      active: o.active,
      hasErrors: o.hasErrors,
      beforeContent: o.beforeContent,
    }),
  );
}

/** A page for an API refusal that leaves nothing to retry on the page. */
export function refusalPage(
  ctx: Signed,
  answer: ApiAnswer,
  active?: Section,
): ConsoleReply {
  const refusal = refusalFor(answer.status, answer.body);
  const status = answer.status === 404 ? 404 : answer.status >= 500 ? 503 : 403;

  return render(ctx, {
    title: refusal.summary,
    active,
    status,
    content: html`${heading(refusal.summary)}
    <p class="govuk-body">${refusal.next}</p>`,
  });
}

const offerTags: Record<string, { text: string; colour: TagColour }> = {
  issued: { text: 'Code shown', colour: 'blue' },
  scanned: { text: 'Scanned', colour: 'light-blue' },
  redeemed: { text: 'Being added', colour: 'turquoise' },
  delivered: { text: 'Added to the app', colour: 'green' },
  expired: { text: 'Code expired', colour: 'grey' },
  revoked: { text: 'Code cancelled', colour: 'orange' },
};

export function offerTag(status: string | undefined): SafeHtml {
  if (!status) return tag('No code yet', 'grey');
  const known = offerTags[status];

  return known ? tag(known.text, known.colour) : tag(status, 'grey');
}

export interface ListedStudent {
  studentId: string;
  legalSurname: string;
  legalForename: string;
  preferredForename?: string;
  form?: string;
  year: string;
  lookAlikes: { studentId: string; reason: string }[];
  latestOffer: { offerId: string; status: string; expiresAt: string } | null;
}

export const fullName = (s: ListedStudent) =>
  `${s.preferredForename ?? s.legalForename} ${s.legalSurname}`;

export const lookAlikeReasons: Record<string, string> = {
  'same-legal-name': 'has the same name',
  'same-surname-and-birthdate': 'has the same surname and date of birth',
};

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString('en-GB', {
    timeZone: 'Europe/London',
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}
