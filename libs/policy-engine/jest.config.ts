/* eslint-disable */
const preset = require('../../jest.preset.js');

export default { ...preset, displayName: 'policy-engine', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
