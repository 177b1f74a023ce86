#!/usr/bin/env node
// Builds what `npm start` serves — the API, the admin console and the member pages — and the SDK package (Nx caches the results).
import { spawnSync } from 'node:child_process';
import { nxEnv } from './env.mjs';

const r = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'admin', 'portal', 'client', '--outputStyle=stream'], { stdio: 'inherit', env: nxEnv });
process.exit(r.status ?? 1);
