/* eslint-disable */
const preset = require('../../jest.preset.js');

// The hostile-input and failure suite (apps/api/src/hostile): generated requests against every route,
// authentication bypasses, enumeration, crashes and a broken disk. `LATCHKEY_HOSTILE_SCALE` sets its size.
export default {
  ...preset,
  displayName: 'hostile',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.hostile-spec.ts'],
  testTimeout: 600_000,
  setupFilesAfterEnv: ['<rootDir>/src/hostile/jest-setup.ts'],
};
