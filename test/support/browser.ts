/**
 * Headless Chromium for the browser tier, driven by playwright-core, and
 * the checks every page visited gets: axe-core for WCAG 2.2 AA, and a
 * screenshot kept under test-results/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');
export const screenshotsDir = join(repoRoot, 'test-results', 'screenshots');

/** Chromium from CHROMIUM_PATH, else Debian's package. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `The browser tests need Chromium, and there is none at ${path}. ` +
        "Install Debian's package (apt-get install chromium) or set " +
        'CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }

  return path;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Chromium's sandbox cannot start as root (CI containers run so).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let axeScript: string | undefined;

/** The WCAG 2.2 AA rule tags axe-core runs. */
export const wcagTags = [
  'wcag2a',
  'wcag2aa',
  'wcag21a',
  'wcag21aa',
  'wcag22aa',
];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core on the page and fails, listing each violation, if there
 * is any. axe goes in through the DevTools protocol, which the page's
 * CSP (no inline script) does not govern, so the page is checked with
 * its real policy in force.
 */
export async function expectAccessible(page: Page, name: string) {
  const { readFileSync } = await import('node:fs');
  axeScript ??= readFileSync(axeSource, 'utf8');
  await page.evaluate(axeScript);
  const violations = (await page.evaluate(
    async (tags) =>
      (
        await (
          globalThis as unknown as {
            axe: {
              run(
                context: Document,
                options: unknown,
              ): Promise<{ violations: unknown[] }>;
            };
          }
        ).axe.run(document, { runOnly: { type: 'tag', values: tags } })
      ).violations,
    wcagTags,
  )) as AxeViolation[];
  const described = violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes
        .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary ?? ''}`)
        .join('\n'),
  );

  expect(described, `axe-core on the ${name} page`).toEqual([]);
}

/** Checks the page with axe-core and keeps its screenshot. */
export async function visit(page: Page, name: string) {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({
    path: join(screenshotsDir, `${name}.png`),
    fullPage: true,
  });
  await expectAccessible(page, name);
}
