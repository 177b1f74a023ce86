import type { Config } from 'jest';

// Every project's tests in one run: `npx jest` (the README's `npm test` also builds, lints and runs the
// browser end-to-end suite).
const config: Config = {
  // A global option: in a multi-project run the projects' own `testTimeout` is ignored. Generous, for a
  // busy two-core CI machine; browser tests need the most.
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
