/* eslint-disable */
const preset = require('../../jest.preset.js');

// End-to-end: drives the built service (dist/) over HTTP and its pages in headless Chromium.
export default { ...preset, displayName: 'e2e', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'], testTimeout: 120_000 };
