// People see where they are signed in and end sessions: one, every other one, or (an operator,
// for someone else) all of another account's. Each ending is audited; the ended session fails
// at its next request, since every request resolves its session from the database.
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { notFound } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit-log.ts';
import * as repo from './repository.ts';
import type { User } from './schemas.ts';
import type { SessionStore } from './sessions.ts';
import type { RequestMeta } from './service.ts';
import { describeUserAgent } from './user-agent.ts';

export interface SessionView {
  id: string;
  created_at: string;
  last_seen_at: string;
  ip: string | null;
  user_agent: string | null;
  device: string;
  current: boolean;
  awaiting_second_factor: boolean;
}

export class SessionControl {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sessions: SessionStore,
  ) {}

  /** The live sessions of a user, the most recently used first; `currentId` is marked. */
  async list(userId: string, currentId: string | null): Promise<SessionView[]> {
    const rows = await repo.liveSessionsOf(this.db, userId, this.clock.now());
    return rows.map((s) => ({
      id: s.id,
      created_at: s.createdAt.toISOString(),
      last_seen_at: s.lastSeenAt.toISOString(),
      ip: s.ip,
      user_agent: s.userAgent,
      device: describeUserAgent(s.userAgent),
      current: s.id === currentId,
      awaiting_second_factor: s.secondFactorPending,
    }));
  }

  /** Ends one of the user's own sessions (404 when they have none with that id). */
  async revoke(user: User, sessionId: string, meta: RequestMeta & { currentId: string }) {
    return this.sessions.changing(async (tx) => {
      if (!(await repo.deleteSessionOfUser(tx, user.id, sessionId))) throw notFound('Session');
      const current = sessionId === meta.currentId;
      await appendAudit(tx, {
        actorType: user.role === 'admin' ? 'admin' : 'user',
        actorId: user.id,
        action: 'session.revoked',
        targetType: 'user',
        targetId: user.id,
        after: { session_id: sessionId, current, sessions_ended: 1 },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: this.clock.now(),
      });
      return { current };
    });
  }

  /** Ends every session of the user but this one. */
  async revokeOthers(user: User, currentId: string, meta: RequestMeta) {
    return this.sessions.changing(async (tx) => {
      const ended = await repo.deleteOtherSessionsOfUser(tx, user.id, currentId);
      await appendAudit(tx, {
        actorType: user.role === 'admin' ? 'admin' : 'user',
        actorId: user.id,
        action: 'session.revoked_others',
        targetType: 'user',
        targetId: user.id,
        after: { sessions_ended: ended },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: this.clock.now(),
      });
      return { sessions_ended: ended };
    });
  }

  /** An operator ends every session of another account (404 when there is no such account). */
  async revokeAllOf(operator: User, userId: string, meta: RequestMeta) {
    return this.sessions.changing(async (tx) => {
      if (!(await repo.findUser(tx, userId))) throw notFound('User');
      const ended = await repo.deleteSessionsOfUser(tx, userId);
      await appendAudit(tx, {
        actorType: 'admin',
        actorId: operator.id,
        action: 'session.revoked_by_operator',
        targetType: 'user',
        targetId: userId,
        after: { sessions_ended: ended },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: this.clock.now(),
      });
      return { sessions_ended: ended };
    });
  }
}
