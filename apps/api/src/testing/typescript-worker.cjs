// Tests only: runs a worker thread's TypeScript entry (workerData.entry) straight from the sources, compiled
// by SWC with the settings Jest uses (jest.preset.js), @latchkey/* aliases resolved to the libraries' sources.
// The built service starts the compiled .js worker instead.
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { workerData } = require('node:worker_threads');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '../../../..');
const aliases = {
  '@latchkey/contracts': 'libs/contracts/src/index.ts',
  '@latchkey/policy-engine': 'libs/policy-engine/src/index.ts',
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, aliases[request] ? path.join(root, aliases[request]) : request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
require(workerData.entry);
