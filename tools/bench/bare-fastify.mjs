// The yardstick: a bare Fastify server with a JSON endpoint that parses the body and answers JSON, and an
// empty GET like forward-auth's.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/json', async (req) => ({ decision: 'allow', echo: typeof req.body === 'object' ? Object.keys(req.body).length : 0 }));
// The forward-auth yardstick: a GET answered 200 with an empty body and a header taken from the request.
app.get('/forward-auth', async (req, reply) => {
  reply.header('remote-user', req.headers.cookie ? 'alice' : '');
  return reply.code(200).send();
});
const port = Number(process.argv[2]);
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`listening ${port}\n`);
