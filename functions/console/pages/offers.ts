/**
 * The QR code page. Its status decides what is on screen, and never the
 * QR code and the tx_code together: while the offer is `issued` the QR
 * code shows (large, black on white, with its quiet zone) and a countdown
 * to expiry; once the wallet has fetched the offer (`scanned`) the QR code
 * goes and the tx_code shows for the tutor to read out; `delivered` says
 * the record is in the app. Without JavaScript a link refreshes it; with
 * it, console.js polls this same page and swaps the status region.
 */

import { renderOfferQr } from '../../wallet/qr.js';
import { segment } from '../api-client.js';
import { type ConsoleRoute, redirect, type Signed } from '../app.js';
import { backLink, csrfField, panel } from '../components.js';
import { html } from '../html.js';
import { heading } from '../layout.js';
import { formatTime, refusalPage, render } from './common.js';

/** Statuses after which nothing on the page changes any more. */
export const finalStatuses = ['delivered', 'expired', 'revoked'];

/** The tx_code as it is read out: two groups of three digits. */
export const spacedCode = (code: string) =>
  code.length === 6 ? `${code.slice(0, 3)} ${code.slice(3)}` : code;

async function offerPage(ctx: Signed, params: Record<string, string>) {
  const offerId = params.offerId ?? '';
  const answer = await ctx.api(
    'GET',
    `/centres/${segment(ctx.urn)}/offers/${segment(offerId)}`,
  );
  if (answer.status !== 200) return refusalPage(ctx, answer, 'students');
  const offer = answer.body as {
    status: string;
    studentId: string;
    expiresAt: string;
  };
  const secrets = ctx.session.data.offers.find((o) => o.offerId === offerId);
  const name = secrets?.studentName ?? 'the student';
  const again = `/console/students/${offer.studentId}/vouch`;
  const self = `/console/offers/${offerId}`;
  const refresh = html`<p class="govuk-body"><a class="govuk-link console-refresh" href="${self}">Check again</a> (this page also updates on its own)</p>`;
  const newCode = html`<p class="govuk-body"><a class="govuk-link" href="${again}">Make a new code for ${name}</a>. A new code cancels this one.</p>`;

  // The undo of a slip: the code cancelled, or the record taken back out
  // of the app it reached, with the reason kept in the audit.
  const undo = ['issued', 'scanned', 'redeemed', 'delivered'].includes(
    offer.status,
  )
    ? html`<details class="govuk-details">
    <summary class="govuk-details__summary"><span class="govuk-details__summary-text">${offer.status === 'delivered' ? 'This record went to the wrong student' : 'Cancel this code'}</span></summary>
    <div class="govuk-details__text">
      <form method="post" action="${self}/revoke" novalidate>
        ${csrfField(ctx.session.data.csrfToken)}
        <div class="govuk-form-group">
          <label class="govuk-label" for="reason">Why</label>
          <div class="govuk-hint" id="reason-hint">For example: the wrong student scanned it. Do not write the student's name.</div>
          <input class="govuk-input" id="reason" name="reason" type="text" maxlength="200" aria-describedby="reason-hint">
        </div>
        <button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">${offer.status === 'delivered' ? 'Withdraw the record' : 'Cancel the code'}</button>
      </form>
    </div>
  </details>`
    : html``;

  let body: ReturnType<typeof html>;
  switch (offer.status) {
    case 'issued':
      body = secrets
        ? html`<p class="govuk-body-l">Turn your screen so ${name} can scan the code with the Education Record app.</p>
  <div class="console-qr">
    <img src="${(await renderOfferQr(secrets.credentialOffer)).png}" alt="QR code for ${name} to scan with the Education Record app" class="console-qr__image">
  </div>
  <p class="govuk-body">The code expires at ${formatTime(offer.expiresAt)}<span class="console-countdown" data-expires-at="${offer.expiresAt}"></span>.</p>
  <p class="govuk-body">Once it is scanned, this page shows a six-digit code for you to read out.</p>
  ${refresh}${newCode}`
        : html`<p class="govuk-body">This code was made in another sign-in, so it cannot be shown here.</p>${newCode}`;
      break;
    case 'scanned':
      body = secrets
        ? html`<p class="govuk-body-l">The code has been scanned. If ${name} scanned it just now, read this number out to them:</p>
  <p class="console-tx-code" id="tx-code" aria-label="Code to read out: ${secrets.txCode.split('').join(' ')}">${spacedCode(secrets.txCode)}</p>
  <p class="govuk-body">They type it into the app. The code expires at ${formatTime(offer.expiresAt)}.</p>
  <div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>If ${name} has not scanned it, someone else has: do not read the number out. Make a new code instead.</strong></div>
  ${refresh}${newCode}`
        : html`<p class="govuk-body">The code was scanned. It was made in another sign-in, so its number cannot be shown here.</p>${newCode}`;
      break;
    case 'redeemed':
      body = html`<p class="govuk-body-l">The record is being added to ${name}'s app.</p>${refresh}`;
      break;
    case 'delivered':
      body = html`${panel('Added to the app', html`${name}'s record is in their Education Record app`)}
  <p class="govuk-body"><a class="govuk-link" href="/console/students">Back to My students</a></p>`;
      break;
    case 'expired':
      body = html`<p class="govuk-body-l">This code has expired without being used.</p>${newCode}`;
      break;
    default:
      body = html`<p class="govuk-body-l">This code was cancelled. If it had reached an app, the record there is withdrawn: any verifier now sees it as not valid.</p>${newCode}`;
  }

  return render(ctx, {
    title: `QR code for ${name}`,
    active: 'students',
    beforeContent: backLink('/console/students', 'Back to My students'),
    content: html`${heading(`QR code for ${name}`)}
  <div id="offer-status" class="console-offer" data-status="${offer.status}" data-final="${finalStatuses.includes(offer.status) ? 'true' : 'false'}" aria-live="polite">
    ${body}
  </div>
  ${undo}`,
  });
}

/** Cancels the code, or withdraws the record it delivered. */
async function revokeOffer(ctx: Signed, params: Record<string, string>) {
  const offerId = params.offerId ?? '';
  const reason = (ctx.req.form.get('reason') ?? '').trim();
  const answer = await ctx.api(
    'POST',
    `/centres/${segment(ctx.urn)}/offers/${segment(offerId)}/revoke`,
    { json: { reason: reason || 'Withdrawn from the staff console' } },
  );
  if (answer.status !== 200) return refusalPage(ctx, answer, 'students');

  return redirect(ctx.deps, `/console/offers/${offerId}`);
}

export const offerRoutes: ConsoleRoute[] = [
  { method: 'GET', pattern: '/offers/:offerId', handle: offerPage },
  { method: 'POST', pattern: '/offers/:offerId/revoke', handle: revokeOffer },
];
