import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');

describe('npm run demo', () => {
  it('walks the sample centre from onboarding to a verified record and an expiry', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/demo.ts', '--ephemeral'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, LIFETIME_DIVISOR: '60' },
      },
    );
    const out = run.stdout;

    expect(run.status, run.stderr).toBe(0);
    expect(out).toMatch(/Roster: 220 created, .* 1 duplicate, 7 rows rejected/);
    expect(out).toMatch(/The wallet holds a verified record for/);
    expect(out).toMatch(/shows the offer as delivered/);
    expect(out).toMatch(/1469 rows matched, 1 unmatched, 1 conflict/);
    expect(out).toMatch(
      /Before the release the app refreshes: 0 qualifications, waiting for June 2026/,
    );
    expect(out).toMatch(/the record now lists [1-9]\d* qualifications/);
    expect(out).toMatch(/The record it replaced shows as superseded/);
    expect(out).toMatch(/The workflow marked it expired/);
  }, 300_000);
});
