import { createCjsPreset } from 'jest-preset-angular/presets';
import type { Config } from 'jest';

const config: Config = {
  ...createCjsPreset(),
  displayName: 'portal',
  rootDir: __dirname,
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  moduleNameMapper: {
    '^@latchkey/contracts$': '<rootDir>/../../libs/contracts/src/index.ts',
  },
  cacheDirectory: '<rootDir>/../../tmp/jest/portal',
};

export default config;
