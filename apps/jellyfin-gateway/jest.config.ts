/* eslint-disable */
const path = require('node:path');
const preset = require('../../jest.preset.js');

// The gateway's tests run a real Latchkey in-process (the API's test harness) and speak to the Jellyfin
// stand-in with the official @jellyfin/sdk, which ships only ES modules: compile it (and axios's ESM entry
// is avoided by Node's CommonJS resolution) like the preset's other ESM-only dependencies.
export default {
  ...preset,
  displayName: 'jellyfin-gateway',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts'],
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie|@jellyfin)/)'],
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    '^@latchkey/api-testing$': path.join(__dirname, '../api/src/testing/harness.ts'),
  },
  testTimeout: 60_000,
};
