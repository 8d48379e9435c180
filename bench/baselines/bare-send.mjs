// Baseline B of benchmark (a): a bare Fastify route doing the database and queue work of POST /whatsapp/send,
// without Nest, guards, JWT, class-validator, throttling, logging or events.
//
//   BARE_MODE=insert (default)  one transaction: set_config('app.tenant_id') + the same INSERT INTO messages (same
//                               SQL text as MessageRepository.insertOutbound, as the runtime role, RLS on),
//                               then BullMQ queue.add with the options of MessageQueueService.enqueueSend.
//   BARE_MODE=full              the same data work as SendMessageService.send: device lookup, the INSERT, the
//                               audit INSERT and the "other unfinished sends?" check in the transaction, then the
//                               tenant's fair-position EVAL (MessageQueueService) and queue.add with that
//                               priority. Separates "framework cost" from "extra statements".
//
// Env: PORT, DATABASE_APP_URL, DATABASE_POOL_SIZE (10), REDIS_URL, REDIS_KEY_PREFIX, TENANT_ID, USER_ID,
//      MESSAGE_SEND_ATTEMPTS (8), MESSAGE_RETRY_DELAY_MS (2000).
import Fastify from 'fastify';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import pg from 'pg';

const env = process.env;
const MODE = env.BARE_MODE || 'insert';
const TENANT_ID = env.TENANT_ID;
const USER_ID = env.USER_ID;
const redisUrl = new URL(env.REDIS_URL || 'redis://127.0.0.1:6379');

// Same text as backend/src/modules/messaging/message.repository.ts
const COLUMNS = `tenant_id AS "tenantId", id, device_id AS "deviceId", user_id AS "userId", chat_id AS "chatId",
  direction, body, status, error, source, wa_message_id AS "waMessageId", sender_id AS "senderId", attempts,
  idempotency_key AS "idempotencyKey", request_hash AS "requestHash", created_at AS "createdAt",
  updated_at AS "updatedAt", sent_at AS "sentAt", delivered_at AS "deliveredAt", read_at AS "readAt"`;
const INSERT = `INSERT INTO messages (tenant_id, device_id, user_id, chat_id, direction, body, status, source, idempotency_key, request_hash)
       VALUES ($1, $2, $3, $4, 'outbound', $5, 'queued', 'api', $6, $7)
       ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING ${COLUMNS}`;
// DeviceRepository.findById (TypeORM findOneBy: all columns, LIMIT 1), AuditRepository.insert,
// MessageRepository.hasOtherUnfinished, MessageQueueService's NEXT_POSITION script
const DEVICE = `SELECT tenant_id, id, user_id, name, server_id, session_name, status, status_reason, status_changed_at,
  status_event_at, phone_number, wa_id, wa_lid, push_name, webhook_key_enc, qr_value, qr_updated_at, linked_at,
  created_at, updated_at, deleted_at FROM devices WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL LIMIT 1`;
const AUDIT = `INSERT INTO audit_log (tenant_id, actor_user_id, action, target_type, target_id, ip, request_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
const OTHER_UNFINISHED = `SELECT EXISTS (
         SELECT 1 FROM messages WHERE tenant_id = $1 AND status IN ('queued', 'sending') AND id <> $2
       ) AS busy`;
const NEXT_POSITION = `
if ARGV[1] == '0' then
  redis.call('SET', KEYS[1], '1', 'EX', 86400)
  return 1
end
local position = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 86400)
return position`;
const MAX_PRIORITY = 2_097_152;

const pool = new pg.Pool({
  connectionString: env.DATABASE_APP_URL,
  max: Number(env.DATABASE_POOL_SIZE || 10),
  connectionTimeoutMillis: 5000,
  application_name: 'bench-bare',
});
const queue = new Queue('messages', {
  connection: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379), maxRetriesPerRequest: null },
  prefix: `${env.REDIS_KEY_PREFIX || 'wa:'}bull`,
});
const redis = new Redis(redisUrl.toString(), { keyPrefix: env.REDIS_KEY_PREFIX || 'wa:' });
const attempts = Number(env.MESSAGE_SEND_ATTEMPTS || 8);
const retryDelayMs = Number(env.MESSAGE_RETRY_DELAY_MS || 2000);

const app = Fastify({ logger: false });

app.post('/whatsapp/send', async (request, reply) => {
  const { to, text, deviceId } = request.body ?? {};
  if (typeof to !== 'string' || typeof text !== 'string' || typeof deviceId !== 'string') {
    return reply.code(400).send({ statusCode: 400, message: ['to, text and deviceId are required'] });
  }
  const chatId = `${to.replace(/^\+/, '')}@c.us`;
  const client = await pool.connect();
  let message;
  let busy = null;
  try {
    await client.query('START TRANSACTION');
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [TENANT_ID]);
    if (MODE === 'full') {
      const device = await client.query(DEVICE, [TENANT_ID, deviceId]);
      if (!device.rows[0] || device.rows[0].status !== 'WORKING') throw new Error('device not usable');
    }
    const { rows } = await client.query(INSERT, [TENANT_ID, deviceId, USER_ID, chatId, text, null, null]);
    message = rows[0];
    if (MODE === 'full') {
      await client.query(AUDIT, [
        TENANT_ID,
        USER_ID,
        'message.sent',
        'message',
        message.id,
        request.ip,
        request.id,
        JSON.stringify({ deviceId, to: `${chatId.slice(0, 2)}•••••••${chatId.slice(-9)}` }),
      ]);
      busy = (await client.query(OTHER_UNFINISHED, [TENANT_ID, message.id])).rows[0].busy === true;
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  const position =
    busy === null ? 1 : Number(await redis.eval(NEXT_POSITION, 1, `fair:${TENANT_ID}`, busy ? '1' : '0'));
  await queue.add(
    'send',
    { tenantId: TENANT_ID, messageId: message.id },
    {
      jobId: message.id,
      priority: Math.min(Math.max(position, 1), MAX_PRIORITY),
      attempts,
      backoff: { type: 'exponential', delay: retryDelayMs, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: true,
    },
  );
  return reply.code(202).send({ id: message.id, status: message.status });
});

app.get('/health', async () => ({ status: 'ok' }));

const shutdown = async () => {
  await app.close();
  await queue.close();
  redis.disconnect();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

await app.listen({ port: Number(env.PORT), host: '127.0.0.1' });
