/* eslint-disable */
const preset = require('../../jest.preset.js');

export default {
  ...preset,
  displayName: 'api',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
  testTimeout: 30_000,
  setupFilesAfterEnv: ['<rootDir>/src/testing/jest-setup.ts'],
};
