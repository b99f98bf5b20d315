import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'src/**/*.test.ts', 'src/**/*.test.tsx'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Generous: a loaded 2-core CI machine runs the suite several times slower (a test that takes
    // 60 s idle took over 120 s at load 25). Tests wait for conditions with deadlines of their own
    // (test/helpers/wait.ts, 180 s; a CLI run, 540 s) that name what they waited for; these only
    // catch what nothing else does. A deadline decides how long a broken test takes to fail, never
    // whether a correct one passes.
    testTimeout: 900_000,
    hookTimeout: 900_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
