/**
 * The one way the console writes HTML: a tagged template that escapes
 * every interpolated value unless it is already `SafeHtml` (made by this
 * template or, for a trusted fragment, by `raw`). Arrays are joined, and
 * `undefined`, `null` and `false` write nothing, so templates can map and
 * branch inline.
 */

export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text made safe for an element's content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => entities[c] ?? c);
}

export type HtmlValue =
  | SafeHtml
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(
  strings: TemplateStringsArray,
  ...values: HtmlValue[]
): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });

  return new SafeHtml(out);
}

/** A fragment the caller vouches for: never pass it anything typed in. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}
