import { defineConfig } from 'vitest/config';

/**
 * Five tiers, one folder each. `npm test` runs them all; one alone is
 * `npx vitest run --project unit` (or infra, workflows, integration,
 * browser).
 * Coverage, with its floor, is for the unit tier:
 * `npx vitest run --project unit --coverage`.
 */
export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['functions/**/*.ts'],
      // Handlers are composition roots over the domain; the integration
      // tier drives them through the local API.
      exclude: ['functions/handlers/**', 'functions/routes.ts'],
      reporter: ['text-summary', 'html'],
      thresholds: { lines: 80, functions: 80, branches: 75, statements: 80 },
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // A CDK synth takes seconds, more with bundling.
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'workflows',
          include: ['test/workflows/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/local-stack.ts'],
          // One stack, two cores: files take turns rather than contend.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // The staff console in headless Chromium (playwright-core), on
          // a local stack of its own started by the same globalSetup.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/local-stack.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
