#!/usr/bin/env node
// `npm start`: build what is needed, then run the service in the foreground.
import { spawn, spawnSync } from 'node:child_process';
import { nxEnv } from './env.mjs';

const build = spawnSync(process.execPath, ['tools/scripts/build.mjs'], { stdio: 'inherit', env: nxEnv });
if (build.status !== 0) process.exit(build.status ?? 1);
const child = spawn(process.execPath, ['--enable-source-maps', 'dist/apps/api/apps/api/src/main.js'], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
