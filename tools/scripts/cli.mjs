#!/usr/bin/env node
// `npm run latchkey -- <command>`: the admin command line (builds the API first if needed).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { nxEnv } from './env.mjs';

const entry = 'dist/apps/api/apps/api/src/cli.js';
const build = spawnSync('npx', ['nx', 'run', 'api:build', '--outputStyle=stream'], { stdio: existsSync(entry) ? 'ignore' : 'inherit', env: nxEnv });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(process.execPath, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
