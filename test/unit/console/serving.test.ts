import { describe, expect, it } from 'vitest';
import {
  assetFiles,
  readAsset,
  rewriteCss,
} from '../../../functions/console/assets.js';
import { type Route, routes } from '../../../functions/routes.js';
import { matchResource } from '../../../scripts/local-stack/api-server.js';

/** The route table as the local API server holds it. */
const resources = [...new Set(routes.map((r) => r.path))].map((path) => ({
  path,
  segments: path.split('/'),
  methods: new Map<string, Route>(),
}));

describe('matchResource with a greedy parameter', () => {
  it('gives every deeper console path to /console/{proxy+}, slashes kept', () => {
    const match = matchResource(resources, '/console/students/abc/vouch');

    expect(match?.resource.path).toBe('/console/{proxy+}');
    expect(match?.pathParameters).toEqual({ proxy: 'students/abc/vouch' });
  });

  it('keeps /console itself apart, and needs something after the slash', () => {
    expect(matchResource(resources, '/console')?.resource.path).toBe(
      '/console',
    );
    expect(matchResource(resources, '/console/')).toBeUndefined();
  });

  it('still prefers a literal or single parameter over a greedy one', () => {
    expect(
      matchResource(resources, '/centres/123456/staff/me')?.resource.path,
    ).toBe('/centres/{urn}/staff/me');
    expect(
      matchResource(resources, '/centres/123456/staff/abc')?.resource.path,
    ).toBe('/centres/{urn}/staff/{staffId}');
  });
});

describe('console assets', () => {
  const files = assetFiles();

  it("serve govuk-frontend's stylesheet with its URLs beside it", () => {
    const css = readAsset(files, 'govuk-frontend.min.css')?.toString('utf8');

    expect(css).toContain('url(assets/fonts/');
    expect(css).not.toContain('url(/assets/');
    expect(rewriteCss('a{b:url(/assets/x.png)}')).toBe(
      'a{b:url(assets/x.png)}',
    );
  });

  it('serve the fonts, the script and our own files', () => {
    expect(readAsset(files, 'console.js')).toBeDefined();
    expect(readAsset(files, 'console.css')).toBeDefined();
    expect(readAsset(files, 'govuk-frontend.min.js')).toBeDefined();
    expect([...files.keys()].some((k) => k.startsWith('assets/fonts/'))).toBe(
      true,
    );
  });

  it('serve nothing outside the list, however the path is spelt', () => {
    for (const path of [
      '../package.json',
      '../../../../etc/passwd',
      'assets/../../package.json',
      '/etc/passwd',
      'nothing.js',
    ]) {
      expect(readAsset(files, path), path).toBeUndefined();
    }
  });
});
