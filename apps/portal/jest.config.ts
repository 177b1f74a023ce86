import { createCjsPreset } from 'jest-preset-angular/presets';
import type { Config } from 'jest';

const config: Config = {
  ...createCjsPreset(),
  displayName: 'portal',
  rootDir: __dirname,
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  moduleNameMapper: {
    // Each @latchkey/<name> library from its source, as tsconfig.base.json maps it.
    '^@latchkey/(.+)$': '<rootDir>/../../libs/$1/src/index.ts',
  },
  cacheDirectory: '<rootDir>/../../tmp/jest/portal',
};

export default config;
