import type { Config } from 'jest';

// Every project's tests in one run: `npx jest` (the README's `npm test` also builds, lints and runs the
// browser end-to-end suite).
const config: Config = {
  // A project's own `testTimeout` is ignored when all projects run at once (it is a global option), which
  // left every test at Jest's 5 s: PostgreSQL and browser tests timed out on a busy machine. The most
  // patient project's (e2e) applies here.
  testTimeout: 120_000,
  projects: [
    '<rootDir>/apps/api',
    // The hostile-input and failure suite (bounded here; `npm run test:hostile:long` runs it longer).
    '<rootDir>/apps/api/jest.hostile.config.ts',
    '<rootDir>/apps/admin',
    '<rootDir>/apps/portal',
    '<rootDir>/apps/jellyfin-gateway',
    '<rootDir>/libs/contracts',
    '<rootDir>/libs/policy-engine',
    '<rootDir>/libs/client',
    '<rootDir>/libs/ui',
    '<rootDir>/tools/e2e',
  ],
};

export default config;
