// Baseline B of benchmark (e): a bare Fastify route answering GET /auth/me with the same JSON body the Nest API
// returns for the benchmark user, without guard, JWT, permission cache, throttler, logging or helmet.
// Env: PORT, ME_BODY (the JSON body to return).
import Fastify from 'fastify';

const body = process.env.ME_BODY || '{}';
const app = Fastify({ logger: false });

app.get('/auth/me', async (_request, reply) =>
  reply.header('content-type', 'application/json; charset=utf-8').send(body),
);
app.get('/health', async () => ({ status: 'ok' }));

const shutdown = async () => {
  await app.close();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
