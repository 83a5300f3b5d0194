import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IConstruct } from 'constructs';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { routeGroups } from '../../functions/routes.js';
import { type FunctionName, handlerEntry } from '../../lib/project-function.js';
import { esbuildOptions } from '../../scripts/bench/cold-start.js';
import {
  clientsForActions,
  type SdkClient,
} from '../../scripts/bench/sdk-clients.js';
import { grantedActions, type Template } from '../../scripts/bench/template.js';
import { logicalId, prod, prodTemplate } from './synth.js';

/**
 * What each function's bundle carries, built exactly as CDK builds it: a
 * bundle holds a client only for a service its role may call, and none
 * holds all of zod (the NOTES: 440 KB of a 1 MB bundle).
 */

const template = prodTemplate.toJSON() as Template;
const outDir = mkdtempSync(join(tmpdir(), 'records-bundles-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const functions: [FunctionName, IConstruct][] = [
  ...routeGroups.map((g): [FunctionName, IConstruct] => [
    g,
    prod.functions[g].role,
  ]),
  ['report-routing', prod.routingFunction.role],
];

/** The SDK client package of each client the bench knows. */
const clientPackage: Record<SdkClient, string> = {
  dynamodb: '@aws-sdk/client-dynamodb',
  cognito: '@aws-sdk/client-cognito-identity-provider',
  sfn: '@aws-sdk/client-sfn',
  kms: '@aws-sdk/client-kms',
  ses: '@aws-sdk/client-sesv2',
  logs: '@aws-sdk/client-cloudwatch-logs',
  cloudwatch: '@aws-sdk/client-cloudwatch',
};

async function packagesOf(name: FunctionName): Promise<Set<string>> {
  const result = await build(
    esbuildOptions(handlerEntry(name), join(outDir, name, 'index.mjs')),
  );
  const found = new Set<string>();
  for (const output of Object.values(result.metafile?.outputs ?? {})) {
    for (const [path, input] of Object.entries(output.inputs)) {
      if (input.bytesInOutput === 0) continue;
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
      if (!match) continue;
      found.add(match[1] as string);
      if (match[1] === 'zod' && match[2]?.startsWith('v4/classic/')) {
        found.add('zod (classic)');
      }
      // `import { z } from 'zod/mini'` keeps the whole namespace, every
      // locale included (about 400 KB); `* as z` keeps what is used.
      if (/^v4\/locales\/(?!en\.js$)/.test(match[2] ?? '')) {
        found.add('zod (every locale)');
      }
    }
  }
  return found;
}

describe('the function bundles', () => {
  it.each(functions)(
    'carry in %s only the clients its role may use',
    async (name, role) => {
      const allowed = clientsForActions(
        grantedActions(template, logicalId(prod, role)),
      ).map((c) => clientPackage[c]);

      const packages = await packagesOf(name);
      const clients = [...packages].filter((p) =>
        p.startsWith('@aws-sdk/client-'),
      );

      expect(clients.filter((c) => !allowed.includes(c))).toEqual([]);
      expect(packages).not.toContain('zod (classic)');
      expect(packages).not.toContain('zod (every locale)');
      // Issuance draws a new offer's QR code; the console draws it again
      // from the offer URI its session keeps, each time the page loads.
      expect(packages.has('qrcode')).toBe(
        name === 'issuance' || name === 'console',
      );
    },
  );
});
