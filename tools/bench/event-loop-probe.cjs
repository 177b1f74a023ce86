// Bench only (`dashboard.mjs`): preloaded into the built service to measure how long its event loop is held.
// On SIGWINCH (a signal Nest's shutdown hooks leave alone, unlike SIGUSR2) it writes the event-loop delay seen since the previous signal (max, p99, mean, in ms) as one JSON
// line to the file named by LK_BENCH_EVENT_LOOP_FILE, then starts over.
const fs = require('node:fs');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const file = process.env.LK_BENCH_EVENT_LOOP_FILE;
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
process.on('SIGWINCH', () => {
  const ms = (ns) => Math.round(ns / 1e5) / 10;
  if (file) fs.writeFileSync(file, JSON.stringify({ max: ms(h.max), p99: ms(h.percentile(99)), mean: ms(h.mean) }) + '\n');
  h.reset();
});
