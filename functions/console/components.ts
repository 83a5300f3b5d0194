/**
 * GOV.UK Design System components as template functions: the markup and
 * classes of govuk-frontend's own macros, written out so that the Lambda
 * bundle needs no template engine. Every value is escaped by `html`.
 */
import { type HtmlValue, html, type SafeHtml } from './html.js';
import type { Refusal } from './messages.js';

export interface FieldError {
  /** The id of the input the error is about. */
  href: string;
  text: string;
}

export function errorSummary(errors: readonly FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;

  return html`<div class="govuk-error-summary" data-module="govuk-error-summary">
  <div role="alert">
    <h2 class="govuk-error-summary__title">There is a problem</h2>
    <div class="govuk-error-summary__body">
      <ul class="govuk-list govuk-error-summary__list">
        ${errors.map((e) => html`<li><a href="#${e.href}">${e.text}</a></li>`)}
      </ul>
    </div>
  </div>
</div>`;
}

/** A refusal of the API as an error summary: what happened, what next. */
export function refusalSummary(refusal: Refusal, href?: string): SafeHtml {
  return html`<div class="govuk-error-summary" data-module="govuk-error-summary">
  <div role="alert">
    <h2 class="govuk-error-summary__title">${refusal.summary}</h2>
    <div class="govuk-error-summary__body">
      ${
        href
          ? html`<ul class="govuk-list govuk-error-summary__list"><li><a href="#${href}">${refusal.next}</a></li></ul>`
          : html`<p class="govuk-body">${refusal.next}</p>`
      }
    </div>
  </div>
</div>`;
}

export function notificationBanner(
  text: HtmlValue,
  options: { success?: boolean; title?: string } = {},
): SafeHtml {
  const success = options.success ?? false;
  const title = options.title ?? (success ? 'Success' : 'Important');

  return html`<div class="govuk-notification-banner${success ? ' govuk-notification-banner--success' : ''}" ${success ? html`role="alert"` : html`role="region"`} aria-labelledby="banner-title" data-module="govuk-notification-banner">
  <div class="govuk-notification-banner__header">
    <h2 class="govuk-notification-banner__title" id="banner-title">${title}</h2>
  </div>
  <div class="govuk-notification-banner__content">
    <p class="govuk-notification-banner__heading">${text}</p>
  </div>
</div>`;
}

export function panel(title: string, body?: HtmlValue): SafeHtml {
  return html`<div class="govuk-panel govuk-panel--confirmation">
  <h1 class="govuk-panel__title">${title}</h1>
  ${body ? html`<div class="govuk-panel__body">${body}</div>` : ''}
</div>`;
}

export type TagColour =
  | 'grey'
  | 'green'
  | 'turquoise'
  | 'blue'
  | 'light-blue'
  | 'purple'
  | 'pink'
  | 'red'
  | 'orange'
  | 'yellow';

export function tag(text: string, colour?: TagColour): SafeHtml {
  return html`<strong class="govuk-tag${colour ? ` govuk-tag--${colour}` : ''}">${text}</strong>`;
}

export interface SummaryRow {
  key: string;
  value: HtmlValue;
}

export function summaryList(rows: readonly SummaryRow[]): SafeHtml {
  return html`<dl class="govuk-summary-list">
  ${rows.map(
    (r) => html`<div class="govuk-summary-list__row">
    <dt class="govuk-summary-list__key">${r.key}</dt>
    <dd class="govuk-summary-list__value">${r.value}</dd>
  </div>`,
  )}
</dl>`;
}

export function table(options: {
  caption: string;
  head: readonly string[];
  rows: readonly (readonly HtmlValue[])[];
  captionSize?: 's' | 'm' | 'l';
}): SafeHtml {
  const size = options.captionSize ?? 'm';

  return html`<table class="govuk-table">
  <caption class="govuk-table__caption govuk-table__caption--${size}">${options.caption}</caption>
  <thead class="govuk-table__head"><tr class="govuk-table__row">
    ${options.head.map((h) => html`<th scope="col" class="govuk-table__header">${h}</th>`)}
  </tr></thead>
  <tbody class="govuk-table__body">
    ${options.rows.map(
      (row) =>
        html`<tr class="govuk-table__row">${row.map(
          (cell) => html`<td class="govuk-table__cell">${cell}</td>`,
        )}</tr>`,
    )}
  </tbody>
</table>`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrfToken" value="${token}">`;
}

export function button(
  text: string,
  options: {
    secondary?: boolean;
    warning?: boolean;
    name?: string;
    value?: string;
  } = {},
): SafeHtml {
  const modifier = options.warning
    ? ' govuk-button--warning'
    : options.secondary
      ? ' govuk-button--secondary'
      : '';

  return html`<button type="submit" class="govuk-button${modifier}" data-module="govuk-button"${
    options.name
      ? html` name="${options.name}" value="${options.value ?? ''}"`
      : ''
  }>${text}</button>`;
}

/** A form that posts to the console with its CSRF token. */
export function postForm(
  action: string,
  csrfToken: string,
  content: HtmlValue,
  options: { novalidate?: boolean; inline?: boolean } = {},
): SafeHtml {
  return html`<form method="post" action="${action}"${options.novalidate === false ? '' : html` novalidate`}${options.inline ? html` class="console-inline-form"` : ''}>
  ${csrfField(csrfToken)}
  ${content}
</form>`;
}

export interface InputOptions {
  id: string;
  name?: string;
  label: string;
  value?: string;
  hint?: string;
  error?: string;
  type?: string;
  autocomplete?: string;
  width?: '2' | '3' | '4' | '5' | '10' | '20' | '30';
  spellcheck?: boolean;
  pageHeading?: boolean;
}

export function input(o: InputOptions): SafeHtml {
  const described = [
    o.hint ? `${o.id}-hint` : '',
    o.error ? `${o.id}-error` : '',
  ]
    .filter(Boolean)
    .join(' ');

  return html`<div class="govuk-form-group${o.error ? ' govuk-form-group--error' : ''}">
  <label class="govuk-label" for="${o.id}">${o.label}</label>
  ${o.hint ? html`<div id="${o.id}-hint" class="govuk-hint">${o.hint}</div>` : ''}
  ${o.error ? html`<p id="${o.id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${o.error}</p>` : ''}
  <input class="govuk-input${o.width ? ` govuk-input--width-${o.width}` : ''}${o.error ? ' govuk-input--error' : ''}" id="${o.id}" name="${o.name ?? o.id}" type="${o.type ?? 'text'}"${o.value !== undefined ? html` value="${o.value}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.spellcheck === false ? html` spellcheck="false"` : ''}>
</div>`;
}

export function textarea(o: InputOptions & { rows?: number }): SafeHtml {
  const described = [
    o.hint ? `${o.id}-hint` : '',
    o.error ? `${o.id}-error` : '',
  ]
    .filter(Boolean)
    .join(' ');

  return html`<div class="govuk-form-group${o.error ? ' govuk-form-group--error' : ''}">
  <label class="govuk-label" for="${o.id}">${o.label}</label>
  ${o.hint ? html`<div id="${o.id}-hint" class="govuk-hint">${o.hint}</div>` : ''}
  ${o.error ? html`<p id="${o.id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${o.error}</p>` : ''}
  <textarea class="govuk-textarea${o.error ? ' govuk-textarea--error' : ''}" id="${o.id}" name="${o.name ?? o.id}" rows="${o.rows ?? 5}"${described ? html` aria-describedby="${described}"` : ''} spellcheck="false">${o.value ?? ''}</textarea>
</div>`;
}

export interface Choice {
  value: string;
  text: string;
  hint?: string;
  checked?: boolean;
}

/** Radios or checkboxes in a fieldset with a legend. */
export function choices(o: {
  kind: 'radios' | 'checkboxes';
  name: string;
  idPrefix: string;
  legend: string;
  hint?: string;
  error?: string;
  items: readonly Choice[];
  small?: boolean;
}): SafeHtml {
  const type = o.kind === 'radios' ? 'radio' : 'checkbox';
  const block = o.kind === 'radios' ? 'govuk-radios' : 'govuk-checkboxes';
  const described = [
    o.hint ? `${o.idPrefix}-hint` : '',
    o.error ? `${o.idPrefix}-error` : '',
  ]
    .filter(Boolean)
    .join(' ');

  return html`<div class="govuk-form-group${o.error ? ' govuk-form-group--error' : ''}">
  <fieldset class="govuk-fieldset"${described ? html` aria-describedby="${described}"` : ''}>
    <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${o.legend}</legend>
    ${o.hint ? html`<div id="${o.idPrefix}-hint" class="govuk-hint">${o.hint}</div>` : ''}
    ${o.error ? html`<p id="${o.idPrefix}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${o.error}</p>` : ''}
    <div class="${block}${o.small ? ` ${block}--small` : ''}" data-module="${block}">
      ${o.items.map((item, i) => {
        const id = i === 0 ? o.idPrefix : `${o.idPrefix}-${i + 1}`;
        const itemClass =
          o.kind === 'radios' ? 'govuk-radios' : 'govuk-checkboxes';
        return html`<div class="${itemClass}__item">
        <input class="${itemClass}__input" id="${id}" name="${o.name}" type="${type}" value="${item.value}"${item.checked ? html` checked` : ''}${item.hint ? html` aria-describedby="${id}-item-hint"` : ''}>
        <label class="govuk-label ${itemClass}__label" for="${id}">${item.text}</label>
        ${item.hint ? html`<div id="${id}-item-hint" class="govuk-hint ${itemClass}__hint">${item.hint}</div>` : ''}
      </div>`;
      })}
    </div>
  </fieldset>
</div>`;
}

/** GOV.UK's date input: day, month and year, typed as the person says. */
export function dateInput(o: {
  idPrefix: string;
  legend: string;
  hint?: string;
  error?: string;
  value?: { day?: string; month?: string; year?: string };
}): SafeHtml {
  const part = (name: 'day' | 'month' | 'year', label: string, width: string) =>
    html`<div class="govuk-date-input__item">
      <div class="govuk-form-group">
        <label class="govuk-label govuk-date-input__label" for="${o.idPrefix}-${name}">${label}</label>
        <input class="govuk-input govuk-date-input__input govuk-input--width-${width}${o.error ? ' govuk-input--error' : ''}" id="${o.idPrefix}-${name}" name="${o.idPrefix}-${name}" type="text" inputmode="numeric" autocomplete="off" value="${o.value?.[name] ?? ''}">
      </div>
    </div>`;
  const described = [
    o.hint ? `${o.idPrefix}-hint` : '',
    o.error ? `${o.idPrefix}-error` : '',
  ]
    .filter(Boolean)
    .join(' ');

  return html`<div class="govuk-form-group${o.error ? ' govuk-form-group--error' : ''}">
  <fieldset class="govuk-fieldset" role="group"${described ? html` aria-describedby="${described}"` : ''}>
    <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${o.legend}</legend>
    ${o.hint ? html`<div id="${o.idPrefix}-hint" class="govuk-hint">${o.hint}</div>` : ''}
    ${o.error ? html`<p id="${o.idPrefix}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${o.error}</p>` : ''}
    <div class="govuk-date-input" id="${o.idPrefix}">
      ${part('day', 'Day', '2')}
      ${part('month', 'Month', '2')}
      ${part('year', 'Year', '4')}
    </div>
  </fieldset>
</div>`;
}

export function select(o: {
  id: string;
  label: string;
  items: readonly { value: string; text: string; selected?: boolean }[];
}): SafeHtml {
  return html`<div class="govuk-form-group">
  <label class="govuk-label" for="${o.id}">${o.label}</label>
  <select class="govuk-select" id="${o.id}" name="${o.id}">
    ${o.items.map((i) => html`<option value="${i.value}"${i.selected ? html` selected` : ''}>${i.text}</option>`)}
  </select>
</div>`;
}

export function backLink(href: string, text = 'Back'): SafeHtml {
  return html`<a href="${href}" class="govuk-back-link">${text}</a>`;
}
