// The yardstick: a bare Fastify server that answers ANY path, so the benchmarks can send it exactly the
// requests they send to Latchkey (same path, headers, cookie, body): the ratio then compares server work,
// not request size. A POST parses its JSON body and answers a small JSON object; a GET answers 200 with an
// empty body and a header taken from the request (like forward-auth).
// Usage: node tools/bench/bare-fastify.mjs <port>
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
const json = async (req) => ({ decision: 'allow', echo: req.body && typeof req.body === 'object' ? Object.keys(req.body).length : 0 });
const empty = async (req, reply) => {
  reply.header('remote-user', req.headers.cookie ? 'alice' : '');
  return reply.code(200).send();
};
app.post('/json', json);
app.get('/forward-auth', empty);
app.post('/*', json);
app.get('/*', empty);
const port = Number(process.argv[2]);
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`listening ${port}\n`);
