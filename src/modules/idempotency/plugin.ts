// Our own Idempotency-Key handling for mutating POSTs, with the semantics of Stripe's API and of
// the IETF draft "The Idempotency-Key HTTP Header Field":
//  - same key, same request (method, path, body): the stored response is replayed with
//    `Idempotent-Replayed: true`;
//  - same key, different request: 422 idempotency_key_reused;
//  - same key while the first request is still running: 409 idempotency_key_in_use;
//  - keys are scoped to the caller (user or API key) and kept at least 24 hours.
// Only a response the route handler produced is stored (ADR 008). The key is claimed as the very
// last step before the handler — after authentication, validation and the route's own checks such
// as rate limits — so a request refused before its handler ran never touches its key, and the
// client may send it again with the same key. A 5xx or 429 from the handler is not stored either:
// the claim is released, and the operations behind our routes are themselves idempotent.
//
// A claim is a lease: the running request renews it, and a claim nobody renewed for LEASE_MS
// belongs to a request that died with its process, so a retry takes it over. Settling a claim
// (storing the response, or releasing it) is retried until the database takes it, and a retry
// that reaches this process meanwhile settles it first — so a database outage never leaves a key
// locked, and an outcome the client was told is the one its retries replay.
import fp from 'fastify-plugin';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import { isDatabaseUnavailable, type Db } from '../../db/client.ts';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { safeEqual, sha256Hex } from '../../lib/crypto.ts';
import { AppError, badRequest, serviceUnavailable } from '../../lib/errors.ts';
import type { JobDefinition } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import * as repo from './repository.ts';
import type { IdempotencyRecords } from './service.ts';

export const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;
/** How often a running request renews its claim. */
export const LEASE_RENEW_MS = 5_000;
/**
 * A claim not renewed for this long belongs to a request that died (its process crashed); a retry
 * may take it over. Four renewals, so a renewal delayed by a busy pool does not lose a live lease.
 */
export const LEASE_MS = 20_000;
/** Settling writes that failed (the database is away) are retried, backing off up to this. */
const SETTLE_RETRY_MAX_DELAY_MS = 2_000;
const SETTLE_RETRY_FIRST_DELAY_MS = 100;
const MAX_KEY_LENGTH = 255;
/** Statuses that say "not now" rather than answer the request: never stored, the client retries. */
const isTransient = (status: number) => status >= 500 || status === 429;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'required': 400 without a key. 'optional': honoured when sent. Unset: ignored. */
    idempotency?: 'required' | 'optional';
  }
  interface FastifyRequest {
    /** The key this request holds while its handler runs (see `Claim`). */
    idempotencyClaim?: Claim;
    /** Who the key belongs to; set from the route's declared caller by server/plugins/access.ts. */
    idempotencyScope?: string;
  }
}

/** A stored response. `null` as an outcome means "nothing to store: release the key". */
interface Outcome {
  status: number;
  body: string;
}

/** Renewals whose result is unknown (the connection broke mid-write) that are still kept as tokens. */
const MAX_UNCONFIRMED_TOKENS = 16;

/**
 * One key held by this process. The row is ours while its `locked_at` is one of `tokens` (our
 * lease token: renewing moves it, a takeover elsewhere replaces it). The first token is the last
 * one the database confirmed; after it, renewals sent when the connection broke, which may or
 * may not have landed. `outcome` is undefined while the handler runs, then what must be written;
 * `written` once the database has it.
 */
class Claim {
  tokens: Date[];
  outcome: Outcome | null | undefined;
  written = false;
  renewTimer: NodeJS.Timeout | undefined;
  retryTimer: NodeJS.Timeout | undefined;
  retryDelayMs = SETTLE_RETRY_FIRST_DELAY_MS;
  failedWrites = 0;
  /** Renewals and settling writes run one at a time, each with the lease token the last one left. */
  queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly scope: string,
    readonly key: string,
    lockedAt: Date,
  ) {
    this.tokens = [lockedAt];
  }

  get ref(): string {
    return claimRef(this.scope, this.key);
  }
}

const claimRef = (scope: string, key: string) => `${scope}\n${key}`;

/**
 * Names the client request this handler serves — its Idempotency-Key and caller, hashed — so a
 * service can store it beside what the request created. A retry whose first answer was lost
 * (the process died before the key's record was completed) then finds that work and answers
 * from it instead of refusing (ADR 008). Undefined when the request carries no key.
 */
export function requestKeyOf(request: FastifyRequest): string | undefined {
  const claim = request.idempotencyClaim;
  return claim ? sha256Hex(claim.ref) : undefined;
}

/** The claims this process holds, and the database writes that renew and settle them. */
class Claims {
  private readonly held = new Map<string, Claim>();
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {}

  get(scope: string, key: string): Claim | undefined {
    return this.held.get(claimRef(scope, key));
  }

  /** Holds a claim whose row now carries `lockedAt`, and keeps its lease alive while the handler runs. */
  hold(scope: string, key: string, lockedAt: Date): Claim {
    const claim = new Claim(scope, key, lockedAt);
    this.held.set(claim.ref, claim);
    claim.renewTimer = setInterval(() => void this.renew(claim), LEASE_RENEW_MS).unref();
    return claim;
  }

  /**
   * Remembers that a claim write failed with an unknown result (the connection broke): the row
   * may exist, so it is released as soon as the database answers again.
   */
  orphaned(scope: string, key: string, lockedAt: Date): void {
    const claim = new Claim(scope, key, lockedAt);
    // A claim this process already holds for the key stays the one a retry finds.
    if (!this.held.has(claim.ref)) this.held.set(claim.ref, claim);
    void this.settle(claim, null);
  }

  /**
   * Records the request's outcome and writes it (or releases the key), retrying in the
   * background while the database is away. Never throws: the client gets its response anyway.
   */
  async settle(claim: Claim, outcome: Outcome | null): Promise<void> {
    if (claim.outcome !== undefined) return;
    claim.outcome = outcome;
    clearInterval(claim.renewTimer);
    if (!(await this.flush(claim))) this.retryLater(claim);
  }

  /** Writes a settled claim's outcome now. True once the database has it. */
  flush(claim: Claim): Promise<boolean> {
    return this.serially(claim, async () => {
      if (claim.written) return true;
      try {
        const outcome = claim.outcome;
        if (!outcome) await repo.releaseClaim(this.db, claim);
        else if (!(await repo.completeClaim(this.db, claim, outcome))) {
          this.log.warn(
            { scope: claim.scope },
            'idempotency claim was taken over before its response was stored',
          );
        }
        this.forget(claim);
        return true;
      } catch (err) {
        claim.failedWrites += 1;
        const level = claim.failedWrites === 1 ? 'warn' : 'debug';
        this.log[level](
          { err, scope: claim.scope, pending: claim.outcome ? 'store' : 'release' },
          'idempotency claim not settled yet; retrying',
        );
        return false;
      }
    });
  }

  /** Stops every timer; one last attempt for claims still unsettled (the process is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.held.values()];
    for (const claim of pending) {
      clearInterval(claim.renewTimer);
      clearTimeout(claim.retryTimer);
    }
    await Promise.all(
      pending.filter((claim) => claim.outcome !== undefined).map((claim) => this.flush(claim)),
    );
    for (const claim of this.held.values()) {
      clearTimeout(claim.retryTimer);
      this.log.warn(
        {
          scope: claim.scope,
          pending: claim.outcome === undefined ? 'running' : claim.outcome ? 'store' : 'release',
        },
        'idempotency claim left unsettled at shutdown; its lease expires',
      );
    }
  }

  private forget(claim: Claim): void {
    claim.written = true;
    clearTimeout(claim.retryTimer);
    if (this.held.get(claim.ref) === claim) this.held.delete(claim.ref);
  }

  private retryLater(claim: Claim): void {
    clearTimeout(claim.retryTimer);
    if (this.closed) return;
    claim.retryTimer = setTimeout(async () => {
      claim.retryDelayMs = Math.min(claim.retryDelayMs * 2, SETTLE_RETRY_MAX_DELAY_MS);
      if (!(await this.flush(claim))) this.retryLater(claim);
    }, claim.retryDelayMs).unref();
  }

  private async renew(claim: Claim): Promise<void> {
    await this.serially(claim, async () => {
      if (claim.outcome !== undefined) return;
      const next = this.clock.now();
      if (claim.tokens.some((token) => next.getTime() <= token.getTime())) return;
      try {
        if (await repo.renewClaim(this.db, claim, next)) {
          claim.tokens = [next];
        } else {
          clearInterval(claim.renewTimer);
          this.log.warn(
            { scope: claim.scope },
            'idempotency claim lost its lease while its request ran',
          );
        }
      } catch {
        // It may have landed before the connection broke: `next` may be the row's token now.
        // The next renewal tries again; the lease outlives several failed ones.
        if (claim.tokens.length <= MAX_UNCONFIRMED_TOKENS) claim.tokens.push(next);
      }
    });
  }

  private serially<T>(claim: Claim, work: () => Promise<T>): Promise<T> {
    const next = claim.queue.then(work, work);
    claim.queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * The request a key stands for, by the route that matched and its decoded parameters — not the
 * URL text, so `/api/v1/orders/ord_1/charge` and a percent-encoded spelling of it are one request.
 */
function logicalPath(request: FastifyRequest): string {
  const params = (request.params ?? {}) as Record<string, unknown>;
  return (request.routeOptions.url ?? '').replace(/:(\w+)/g, (_, name: string) =>
    encodeURIComponent(String(params[name] ?? '')),
  );
}

function requestHash(request: FastifyRequest): string {
  return sha256Hex(
    `${request.method} ${logicalPath(request)}\n${canonicalJson(request.body ?? null)}`,
  );
}

const inUse = () =>
  new AppError(
    409,
    'idempotency_key_in_use',
    'A request with this Idempotency-Key is still in progress. Retry shortly.',
    {
      headers: { 'retry-after': '1' },
    },
  );

/** Claims `key` for this request, or answers for it: a replay, 422 reused, or 409 in use. */
async function claim(
  db: Db,
  clock: Clock,
  claims: Claims,
  request: FastifyRequest,
  reply: FastifyReply,
  key: string,
  scope: string,
) {
  const hash = requestHash(request);
  // A second pass follows a release or a settled outcome this process had pending.
  for (let pass = 0; pass < 3; pass++) {
    const now = clock.now();
    let inserted: boolean;
    try {
      inserted = await repo.insertClaim(db, {
        scope,
        key,
        method: request.method,
        path: logicalPath(request),
        requestHash: hash,
        lockedAt: now,
        createdAt: now,
        expiresAt: new Date(now.getTime() + IDEMPOTENCY_RETENTION_MS),
      });
    } catch (err) {
      if (isDatabaseUnavailable(err)) claims.orphaned(scope, key, now);
      throw err;
    }
    if (inserted) {
      request.idempotencyClaim = claims.hold(scope, key, now);
      return;
    }

    const existing = await repo.findKey(db, scope, key);
    if (!existing) continue; // released between our insert and this read
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

    // In progress. Ours, in this process: still running, or finished with a write pending.
    const local = claims.get(scope, key);
    if (local) {
      if (local.outcome === undefined) throw inUse();
      if (!(await claims.flush(local))) throw serviceUnavailable();
      continue;
    }
    // Someone else's: running (its lease is renewed), or dead with its process (lease expired).
    if (now.getTime() - existing.lockedAt.getTime() <= LEASE_MS) throw inUse();
    let taken: boolean;
    try {
      taken = await repo.takeOver(db, existing, now);
    } catch (err) {
      if (isDatabaseUnavailable(err)) claims.orphaned(scope, key, now);
      throw err;
    }
    if (!taken) throw inUse();
    request.idempotencyClaim = claims.hold(scope, key, now);
    return;
  }
  throw inUse();
}

export default fp(
  async function idempotencyPlugin(app: FastifyInstance) {
    const { database, clock } = app.ctx;
    const db = database.db;
    const claims = new Claims(db, clock, app.log);

    // The last step before the handler: authentication (onRequest), validation and the route's
    // own preHandlers (rate limits) have all passed, so what is stored is the handler's answer.
    const claimKey: preHandlerAsyncHookHandler = async function claimIdempotencyKey(
      request,
      reply,
    ) {
      const mode = request.routeOptions.config.idempotency;
      if (!mode || request.method !== 'POST') return;
      const header = request.headers['idempotency-key'];
      const key = Array.isArray(header) ? header[0] : header;
      if (!key) {
        if (mode === 'required') {
          throw badRequest(
            'idempotency_key_required',
            'This request needs an Idempotency-Key header (a unique value per operation, e.g. a UUID).',
            {
              field: 'Idempotency-Key',
            },
          );
        }
        return;
      }
      if (key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
        throw badRequest(
          'idempotency_key_invalid',
          `Idempotency-Key must be 1–${MAX_KEY_LENGTH} printable ASCII characters.`,
          {
            field: 'Idempotency-Key',
          },
        );
      }
      // Start-up refuses `idempotency` on a route that identifies no caller, so a scope is set here.
      const scope = request.idempotencyScope;
      if (!scope) return;
      return claim(db, clock, claims, request, reply, key, scope);
    };

    // Appended to each POST route's own preHandlers, which run after every instance-level one.
    // Every POST route gets it (it checks the declaration when it runs), so a declaration filled
    // in by a later onRoute hook is still honoured.
    app.addHook('onRoute', (route: RouteOptions) => {
      if (![route.method].flat().includes('POST')) return;
      route.preHandler = [...[route.preHandler ?? []].flat(), claimKey];
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const held = request.idempotencyClaim;
      if (!held) return payload;
      request.idempotencyClaim = undefined;
      const outcome = isTransient(reply.statusCode)
        ? null
        : {
            status: reply.statusCode,
            body: typeof payload === 'string' ? payload : String(payload ?? ''),
          };
      await claims.settle(held, outcome);
      return payload;
    });

    // Should a response leave without passing onSend, its key is released rather than held.
    app.addHook('onResponse', async (request) => {
      const held = request.idempotencyClaim;
      if (!held) return;
      request.idempotencyClaim = undefined;
      await claims.settle(held, null);
    });

    app.addHook('onClose', () => claims.close());
  },
  { name: 'idempotency', dependencies: ['auth'] },
);

const REAP_BATCH = 1000;

/**
 * Every hour: completed records older than RETENTION_IDEMPOTENCY_KEYS (at least the 24 hours a key
 * is honoured) and claims abandoned past their key's expiry, a batch at a time. The daily
 * retention job removes the same completed records and records it in the audit log; this one
 * frees keys within the hour.
 */
export function idempotencyReaperJob(
  records: IdempotencyRecords,
  clock: Clock,
  retainMs: number,
): JobDefinition {
  return {
    name: 'idempotency.reap',
    schedule: '17 * * * *',
    handler: async () => {
      const before = new Date(clock.now().getTime() - retainMs);
      while ((await records.deleteCompletedBefore(before, REAP_BATCH)) === REAP_BATCH);
      while ((await records.deleteAbandoned(REAP_BATCH)) === REAP_BATCH);
    },
  };
}
