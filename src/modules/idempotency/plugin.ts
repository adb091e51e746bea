// Our own Idempotency-Key handling for mutating POSTs, with the semantics of Stripe's API and of
// the IETF draft "The Idempotency-Key HTTP Header Field":
//  - same key, same request (method, path, body): the stored response is replayed with
//    `Idempotent-Replayed: true`;
//  - same key, different request: 422 idempotency_key_reused;
//  - same key while the first request is still running: 409 idempotency_key_in_use;
//  - keys are scoped to the caller (user or API key) and kept at least 24 hours.
// A request refused before it ran (validation, auth) stores nothing. A 5xx is not stored either,
// so the client can retry it; the operations behind our routes are themselves idempotent.
import fp from 'fastify-plugin';
import { and, eq, lt } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { idempotencyKeys } from '../../db/schema.ts';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { safeEqual, sha256Hex } from '../../lib/crypto.ts';
import { AppError, badRequest } from '../../lib/errors.ts';
import type { JobDefinition } from '../../jobs/queue.ts';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';

export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;
/** A claim older than this belongs to a request that died; a retry may take it over. */
const STALE_LOCK_MS = 60_000;
const MAX_KEY_LENGTH = 255;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'required': 400 without a key. 'optional': honoured when sent. Unset: ignored. */
    idempotency?: 'required' | 'optional';
  }
  interface FastifyRequest {
    idempotencyRecordId?: number;
    /** Who the key belongs to; set by the authentication of the route's caller. */
    idempotencyScope?: string;
  }
}

function requestHash(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  return sha256Hex(`${request.method} ${path}\n${canonicalJson(request.body ?? null)}`);
}

async function claim(db: Db, clock: Clock, request: FastifyRequest, reply: FastifyReply, key: string, scope: string) {
  const now = clock.now();
  const hash = requestHash(request);
  const inserted = await db
    .insert(idempotencyKeys)
    .values({
      scope,
      key,
      method: request.method,
      path: request.url.split('?')[0] ?? '',
      requestHash: hash,
      lockedAt: now,
      createdAt: now,
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_RETENTION_MS),
    })
    .onConflictDoNothing()
    .returning({ id: idempotencyKeys.id });
  if (inserted[0]) {
    request.idempotencyRecordId = inserted[0].id;
    return;
  }

  const [existing] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  if (!existing) throw new AppError(409, 'idempotency_key_in_use', 'This Idempotency-Key is being used by another request. Retry shortly.');
  if (!safeEqual(existing.requestHash, hash)) {
    throw new AppError(
      422,
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
    );
  }
  if (existing.state === 'completed') {
    reply
      .header('idempotent-replayed', 'true')
      .status(existing.responseStatus ?? 200)
      .type('application/json; charset=utf-8');
    return reply.send(existing.responseBody ?? '');
  }
  // In progress. Take over a claim whose request died; otherwise tell the client to wait.
  if (now.getTime() - existing.lockedAt.getTime() > STALE_LOCK_MS) {
    const taken = await db
      .update(idempotencyKeys)
      .set({ lockedAt: now })
      .where(and(eq(idempotencyKeys.id, existing.id), eq(idempotencyKeys.lockedAt, existing.lockedAt)))
      .returning({ id: idempotencyKeys.id });
    if (taken[0]) {
      request.idempotencyRecordId = existing.id;
      return;
    }
  }
  throw new AppError(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still in progress. Retry shortly.', {
    headers: { 'retry-after': '1' },
  });
}

export default fp(
  async function idempotencyPlugin(app: FastifyInstance) {
    const { database, clock } = app.ctx;
    const db = database.db;

    // preHandler runs after authentication and validation: refused requests store nothing.
    app.addHook('preHandler', async (request, reply) => {
      const mode = request.routeOptions.config.idempotency;
      if (!mode || request.method !== 'POST') return;
      const header = request.headers['idempotency-key'];
      const key = Array.isArray(header) ? header[0] : header;
      if (!key) {
        if (mode === 'required') {
          throw badRequest('idempotency_key_required', 'This request needs an Idempotency-Key header (a unique value per operation, e.g. a UUID).', {
            field: 'Idempotency-Key',
          });
        }
        return;
      }
      if (key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
        throw badRequest('idempotency_key_invalid', `Idempotency-Key must be 1–${MAX_KEY_LENGTH} printable ASCII characters.`, {
          field: 'Idempotency-Key',
        });
      }
      const scope = request.idempotencyScope ?? (request.session ? `user:${request.session.user.id}` : undefined);
      if (!scope) return; // unauthenticated: the route's own guard answers 401
      return claim(db, clock, request, reply, key, scope);
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const id = request.idempotencyRecordId;
      if (id === undefined) return payload;
      request.idempotencyRecordId = undefined;
      if (reply.statusCode >= 500) {
        await db.delete(idempotencyKeys).where(eq(idempotencyKeys.id, id));
      } else {
        await db
          .update(idempotencyKeys)
          .set({ state: 'completed', responseStatus: reply.statusCode, responseBody: typeof payload === 'string' ? payload : String(payload ?? '') })
          .where(eq(idempotencyKeys.id, id));
      }
      return payload;
    });

    // A request that died without a response (client gone) frees its claim at once.
    app.addHook('onResponse', async (request) => {
      const id = request.idempotencyRecordId;
      if (id === undefined) return;
      await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.id, id), eq(idempotencyKeys.state, 'in_progress')));
    });
  },
  { name: 'idempotency', dependencies: ['auth'] },
);

/** Removes keys past their retention period. */
export function idempotencyReaperJob(db: Db, clock: Clock): JobDefinition {
  return {
    name: 'idempotency.reap',
    schedule: '17 * * * *',
    handler: async () => {
      await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, clock.now()));
    },
  };
}

