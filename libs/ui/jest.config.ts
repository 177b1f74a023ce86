import { createCjsPreset } from 'jest-preset-angular/presets';
import type { Config } from 'jest';

const config: Config = {
  ...createCjsPreset(),
  displayName: 'ui',
  rootDir: __dirname,
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  cacheDirectory: '<rootDir>/../../tmp/jest/ui',
};

export default config;
