// Environment for every Nx invocation in scripts: no Nx Cloud, no daemon (CI machines have 2 cores).
export const nxEnv = { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false', NX_SKIP_NX_CACHE: process.env.NX_SKIP_NX_CACHE ?? 'false' };
