/* eslint-disable */
const preset = require('../../jest.preset.js');

export default { ...preset, displayName: 'contracts', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
