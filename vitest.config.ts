import { defineConfig } from 'vitest/config';

// `npm test` runs everything under test/ except test/faults/ (the long fault-injection runs: kill -9
// storms, restarts under live machines, long fuzzing), which `npm run test:faults` runs (and .ci/run).
const FAULTS = process.env.KICKSTAND_FAULTS === '1';
// `npm run check:pykickstart`: the validator against a pykickstart checkout (not in Debian, not in CI).
const PYKICKSTART = process.env.KICKSTAND_PYKICKSTART === '1';

export default defineConfig({
  test: {
    include: PYKICKSTART ? ['test/kickstart/pykickstart.check.ts'] : FAULTS ? ['test/faults/**/*.test.ts'] : ['test/**/*.test.ts'],
    exclude: FAULTS ? [] : ['test/faults/**', 'node_modules/**'],
    // The end-to-end tests run real bash %pre scripts against a live server; give them room.
    testTimeout: FAULTS ? 600_000 : 60_000,
    hookTimeout: FAULTS ? 120_000 : 60_000,
    pool: 'forks',
    // One throwaway PostgreSQL cluster for the run (test/support/postgres-cluster.ts).
    globalSetup: ['test/support/postgres-cluster.ts'],
    // Fault runs load the machine on purpose: one file at a time, so one run's load is not another's fault.
    ...(FAULTS ? { fileParallelism: false } : {}),
  },
});
