import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic and local-only I/O, fast) and `e2e` (a real control plane,
// started once by the global setup through the same harness as `npm run cluster:up`).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // tests run bin/bellwether.js, so dist/ is compiled first when a source is newer
          globalSetup: ['test/support/compiled-build.ts'],
          include: [
            'strategies/**/*.test.ts',
            'analysis/**/*.test.ts',
            'src/**/*.test.ts',
            'test/unit/**/*.test.ts',
          ],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/compiled-build.ts', 'test/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          // One control plane is shared; files run one after another to keep the 2-core machine calm.
          fileParallelism: false,
        },
      },
    ],
  },
});
