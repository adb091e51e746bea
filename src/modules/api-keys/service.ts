// Secret API keys for the merchant API. A key is `pd_sk_` + 32 random bytes (base64url), shown
// once when it is created; we keep only its SHA-256 hash (a database leak hands out no working
// key) and a short prefix so operators can recognise it in lists. Each key carries scopes from
// a fixed list; a route names the one scope it needs.
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomToken, sha256Hex } from '../../lib/crypto.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import * as repo from './repository.ts';

export const API_KEY_SCOPES = [
  'orders:read',
  'orders:write',
  'payments:read',
  'payments:write',
  'refunds:read',
  'refunds:write',
  'customers:read',
  'customers:write',
  'webhooks:read',
  'webhooks:write',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const SECRET_PREFIX = 'pd_sk_';
const SECRET_PATTERN = /^pd_sk_[A-Za-z0-9_-]{43}$/;
/** Characters of the secret kept in clear for display: `pd_sk_` and 6 random characters. */
const DISPLAY_PREFIX_LENGTH = SECRET_PREFIX.length + 6;
/** last_used_at is written at most this often per key. */
const TOUCH_INTERVAL_MS = 60_000;

export interface AuthenticatedKey {
  id: string;
  scopes: string[];
}

export function publicApiKey(row: repo.ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}

export const invalidApiKey = () =>
  new AppError(
    401,
    'invalid_api_key',
    'Send a valid, unrevoked secret key as "Authorization: Bearer pd_sk_…".',
    {
      headers: { 'www-authenticate': 'Bearer realm="paydeck"' },
    },
  );

export const insufficientScope = (scope: string | undefined) =>
  new AppError(
    403,
    'insufficient_scope',
    scope ? `This API key lacks the "${scope}" scope.` : 'This route is not available to API keys.',
    {
      details: scope ? { required_scope: scope } : {},
    },
  );

export class ApiKeysService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Creates a key; the returned secret is never stored and cannot be shown again. */
  async create(
    input: { name: string; scopes: ApiKeyScope[] },
    createdBy: string | null,
    actor: Actor,
  ) {
    const secret = `${SECRET_PREFIX}${randomToken(32)}`;
    const now = this.clock.now();
    const scopes = [...new Set(input.scopes)].sort();
    const row = await this.db.transaction(async (tx) => {
      const inserted = await repo.insertKey(tx, {
        name: input.name.trim(),
        prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
        keyHash: sha256Hex(secret),
        scopes,
        createdBy,
        createdAt: now,
      });
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'api_key.created',
        targetType: 'api_key',
        targetId: inserted.id,
        after: { name: inserted.name, prefix: inserted.prefix, scopes },
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return inserted;
    });
    return { row, secret };
  }

  list(): Promise<repo.ApiKeyRow[]> {
    return repo.listKeys(this.db);
  }

  /** Revokes a key at once; revoking twice is harmless. */
  async revoke(id: string, actor: Actor): Promise<repo.ApiKeyRow> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const row = await repo.findKey(tx, id, { forUpdate: true });
      if (!row) throw notFound('API key');
      if (row.revokedAt) return row;
      const revoked = await repo.revokeKey(tx, id, now);
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'api_key.revoked',
        targetType: 'api_key',
        targetId: id,
        before: { revoked_at: null },
        after: { revoked_at: now.toISOString() },
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return revoked;
    });
  }

  /** The key behind an `Authorization` header, or 401 `invalid_api_key`. */
  async authenticate(authorization: string | undefined): Promise<AuthenticatedKey> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const secret = match?.[1];
    if (!secret || !SECRET_PATTERN.test(secret)) throw invalidApiKey();
    const row = await repo.findByHash(this.db, sha256Hex(secret));
    if (!row || row.revokedAt) throw invalidApiKey();
    const now = this.clock.now();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
      await repo.touchKey(this.db, row.id, now, new Date(now.getTime() - TOUCH_INTERVAL_MS));
    }
    return { id: row.id, scopes: row.scopes };
  }
}
