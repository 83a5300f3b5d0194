import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from '../../../functions/console/html.js';

describe('html', () => {
  it('escapes every interpolated string, quotes and backticks included', () => {
    const name = `<script>alert("x")</script>' \`&`;

    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; &#96;&amp;">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; &#96;&amp;</p>',
    );
  });

  it('keeps fragments made by html itself, and escapes them once only', () => {
    const inner = html`<b>${'a & b'}</b>`;

    expect(html`<p>${inner}</p>`.value).toBe('<p><b>a &amp; b</b></p>');
  });

  it('joins arrays and writes nothing for undefined, null and false', () => {
    const items = ['<1>', '2'].map((i) => html`<li>${i}</li>`);

    expect(html`<ul>${items}${undefined}${null}${false}</ul>`.value).toBe(
      '<ul><li>&lt;1&gt;</li><li>2</li></ul>',
    );
  });

  it('writes numbers and true as text', () => {
    expect(html`${3}${true}`.value).toBe('3true');
  });

  it('passes a raw fragment through unchanged', () => {
    expect(html`${raw('<hr>')}`.value).toBe('<hr>');
  });

  it('escapes a string given whole', () => {
    expect(escapeHtml('"<>&\'`')).toBe('&quot;&lt;&gt;&amp;&#39;&#96;');
  });
});
