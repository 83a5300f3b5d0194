/**
 * scripts/import.ts as `npm run import` runs it: a process of its own,
 * whose exit status and output are what a shell script sees.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function runScript(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/import.ts', ...args],
      // Nothing from this machine's environment: no token, no sign-in.
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '' } },
      (error, stdout, stderr) => {
        const code = error ? Number(error.code ?? 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

describe('scripts/import.ts', () => {
  it('exits 2 and prints the usage when given nothing', async () => {
    const { code, stdout, stderr } = await runScript([]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage:');
  }, 30_000);

  it('imports a file and prints the report on stdout', async () => {
    const received: { type?: string; body: Buffer }[] = [];
    const server = createServer(async (req: IncomingMessage, res) => {
      const parts: Buffer[] = [];
      for await (const part of req) parts.push(part as Buffer);
      received.push({
        type: req.headers['content-type'],
        body: Buffer.concat(parts),
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({ created: 3, existing: 0, rows: [], rejected: [] }),
      );
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const file = 'samples/riverside/staff.csv';

    try {
      const { code, stdout, stderr } = await runScript([
        '--centre',
        '138765',
        '--staff',
        file,
        '--api',
        `http://127.0.0.1:${port}`,
        '--token',
        'script-token',
      ]);

      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ created: 3 });
      expect(stderr).toContain('3 created, 0 existing, 0 rejected');
      expect(received).toHaveLength(1);
      expect(received[0]?.type).toBe('text/csv');
      const sent = readFileSync(join(repoRoot, file));
      expect(received[0]?.body.equals(sent)).toBe(true);
    } finally {
      server.close();
    }
  }, 30_000);
});
