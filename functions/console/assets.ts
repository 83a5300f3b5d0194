/**
 * The console's static files: govuk-frontend's stylesheet, script, fonts
 * and images, and the console's own script and stylesheet. The local API
 * server serves them at `/console/assets/`; in AWS the stack deploys the
 * same files to the assets bucket behind CloudFront.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';

/** govuk-frontend's `dist/govuk` folder. */
export function govukDist(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('govuk-frontend/package.json');

  return join(dirname(pkg), 'dist', 'govuk');
}

/** The console's own script and stylesheet. */
export const ownStaticDir = resolve(import.meta.dirname, 'static');

const types: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export const contentTypeOf = (path: string) =>
  types[extname(path)] ?? 'application/octet-stream';

/**
 * govuk-frontend's stylesheet names its fonts and images from the site's
 * root (`/assets/...`); the console's are beside the stylesheet, so the
 * root-relative URLs become relative ones.
 */
export function rewriteCss(css: string): string {
  return css.replaceAll('url(/assets/', 'url(assets/');
}

/** Every file served, by its path below the assets URL. */
export function assetFiles(): Map<string, string> {
  const dist = govukDist();
  const files = new Map<string, string>([
    ['govuk-frontend.min.css', join(dist, 'govuk-frontend.min.css')],
    ['govuk-frontend.min.js', join(dist, 'govuk-frontend.min.js')],
  ]);
  for (const folder of ['fonts', 'images']) {
    for (const name of readdirSync(join(dist, 'assets', folder))) {
      files.set(`assets/${folder}/${name}`, join(dist, 'assets', folder, name));
    }
  }
  for (const name of readdirSync(ownStaticDir)) {
    files.set(name, join(ownStaticDir, name));
  }

  return files;
}

/** A file's bytes as served (the stylesheet rewritten), or none. */
export function readAsset(
  files: Map<string, string>,
  relative: string,
): Buffer | undefined {
  const clean = normalize(relative).replace(/^([/\\])+/, '');
  if (clean.split(sep).includes('..')) return undefined;
  const file = files.get(clean.split(sep).join('/'));
  if (!file || !existsSync(file)) return undefined;
  const bytes = readFileSync(file);

  return clean === 'govuk-frontend.min.css'
    ? Buffer.from(rewriteCss(bytes.toString('utf8')))
    : bytes;
}
