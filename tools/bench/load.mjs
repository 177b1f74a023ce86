// One autocannon run, meant to be started pinned to its own core: prints the result as JSON.
import autocannon from 'autocannon';

const [url, method, headersJson, body, seconds, connections] = process.argv.slice(2);
const result = await autocannon({
  url,
  method,
  headers: JSON.parse(headersJson),
  body: body || undefined,
  duration: Number(seconds),
  connections: Number(connections ?? 10),
  pipelining: 1,
});
process.stdout.write(JSON.stringify({ requests: result.requests.total, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors }) + '\n');
