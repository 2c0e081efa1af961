import { defineConfig } from 'vitest/config';

// `npm test` runs everything under test/ except test/faults/ (the long fault-injection runs: kill -9
// storms, restarts under live machines, long fuzzing), which `npm run test:faults` runs (and .ci/run),
// and test/vm/ (real kernels under qemu), which `npm run test:vm` runs (npm test runs both after it).
const FAULTS = process.env.KICKSTAND_FAULTS === '1';
// `npm run test:vm`: one VM at a time (each keeps both cores busy under TCG), inside the network
// namespace tools/in-netns.sh makes; no PostgreSQL (no VM test uses it).
const VM = process.env.KICKSTAND_VM === '1';
// `npm run check:pykickstart`: the validator against a pykickstart checkout (not in Debian, not in CI).
const PYKICKSTART = process.env.KICKSTAND_PYKICKSTART === '1';

export default defineConfig({
  test: {
    include: PYKICKSTART
      ? ['test/kickstart/pykickstart.check.ts']
      : FAULTS
        ? ['test/faults/**/*.test.ts']
        : VM
          ? ['test/vm/**/*.test.ts']
          : ['test/**/*.test.ts'],
    exclude: FAULTS || VM ? ['node_modules/**'] : ['test/faults/**', 'test/vm/**', 'node_modules/**'],
    // The end-to-end tests run real bash %pre scripts against a live server; give them room. The VM
    // tests set their own (minutes: a boot under TCG).
    testTimeout: FAULTS ? 600_000 : 60_000,
    hookTimeout: FAULTS ? 120_000 : VM ? 600_000 : 60_000,
    pool: 'forks',
    // One throwaway PostgreSQL cluster for the run (test/support/postgres-cluster.ts); the VM run builds
    // its two images side by side instead (test/vm/global-setup.ts).
    globalSetup: VM ? ['test/vm/global-setup.ts'] : ['test/support/postgres-cluster.ts'],
    // Fault runs load the machine on purpose: one file at a time, so one run's load is not another's
    // fault. VM runs: one VM at a time.
    ...(FAULTS || VM ? { fileParallelism: false } : {}),
  },
});
