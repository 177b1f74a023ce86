// The yardstick: a bare Fastify server with one JSON endpoint that parses the body and answers JSON.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/json', async (req) => ({ decision: 'allow', echo: typeof req.body === 'object' ? Object.keys(req.body).length : 0 }));
const port = Number(process.argv[2]);
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`listening ${port}\n`);
