// Shared Jest settings for the TypeScript (non-Angular) projects: SWC keeps decorator metadata for Nest
// and TypeORM, and the @latchkey/* aliases point at the libraries' sources.
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(ts|js|mjs)$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  // A few dependencies ship only ES modules, which Jest on Node 20 cannot require: compile those too.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: {
    '^@latchkey/contracts$': path.join(__dirname, 'libs/contracts/src/index.ts'),
    '^@latchkey/policy-engine$': path.join(__dirname, 'libs/policy-engine/src/index.ts'),
    '^@latchkey/client$': path.join(__dirname, 'libs/client/src/index.ts'),
    '^@latchkey/media-server-standin$': path.join(__dirname, 'examples/media-server-standin/src/standin.ts'),
  },
  testMatch: ['**/?(*.)+(spec|int-spec|e2e-spec).ts'],
};
