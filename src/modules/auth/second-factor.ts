// Operators' second factor (ADR 023): enrolment with a TOTP authenticator app, the sign-in's
// second step (a code, or a one-time recovery code), recovery codes regenerated with a current
// code, and the reset an administrator runs when an operator lost their device. Every change is
// audited in the transaction that makes it.
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, conflict, forbidden } from '../../lib/errors.ts';
import { appendAudit, type ActorType } from '../audit/audit-log.ts';
import * as repo from './repository.ts';
import type { User } from './schemas.ts';
import { toPublicUser, type RequestMeta, type SignedIn } from './service.ts';
import type { ResolvedSession, SessionStore } from './sessions.ts';
import {
  RECOVERY_CODE_COUNT,
  matchingStep,
  newRecoveryCode,
  newTotpSecret,
  otpauthUri,
  qrCodeSvg,
  recoveryCodeHash,
} from './totp.ts';

export type OperatorMfaPolicy = 'required' | 'optional';

export interface SecondFactorStatus {
  /** Operators only: customers have no second factor. */
  available: boolean;
  policy: OperatorMfaPolicy;
  enrolled: boolean;
  enrolled_at: string | null;
  recovery_codes_left: number;
}

/** The answer to a code that is wrong, malformed, or of a step used before. */
function codeRefused(status: 401 | 403, reused: boolean, field = 'code'): AppError {
  return reused
    ? new AppError(
        status,
        'mfa_code_reused',
        'This code was used already. Wait for your authenticator app to show the next one.',
        { field },
      )
    : new AppError(
        status,
        'mfa_code_invalid',
        field === 'recovery_code'
          ? 'This recovery code is not valid, or it was used already.'
          : 'The code is not valid. Enter the 6 digits your authenticator app shows now.',
        { field },
      );
}

export const enrolmentRequired = () =>
  forbidden(
    'Operators must set up a second factor before using the console: open /account/two-factor.',
    'mfa_enrolment_required',
  );

function actorTypeOf(user: { role: string }): ActorType {
  return user.role === 'admin' ? 'admin' : 'user';
}

function requireOperator(user: User): void {
  if (user.role !== 'admin')
    throw forbidden('Only operator accounts have a second factor.', 'mfa_not_available');
}

export class SecondFactorService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sessions: SessionStore,
    readonly policy: OperatorMfaPolicy,
  ) {}

  /** Whether this session may use operator routes under the policy (ADR 023). */
  allowsOperatorRoutes(session: ResolvedSession): boolean {
    return this.policy === 'optional' || session.secondFactorEnrolled;
  }

  async status(user: User): Promise<SecondFactorStatus> {
    const row = user.role === 'admin' ? await repo.findTotp(this.db, user.id) : undefined;
    const enrolled = Boolean(row?.confirmedAt);
    return {
      available: user.role === 'admin',
      policy: this.policy,
      enrolled,
      enrolled_at: row?.confirmedAt?.toISOString() ?? null,
      recovery_codes_left: enrolled ? await repo.countUnusedRecoveryCodes(this.db, user.id) : 0,
    };
  }

  /** A new secret to scan; starting again replaces one that was never confirmed. */
  async startEnrolment(user: User, meta: RequestMeta) {
    requireOperator(user);
    const secret = newTotpSecret();
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      if (!(await repo.startTotpEnrolment(tx, user.id, secret, now))) {
        throw conflict(
          'mfa_already_enrolled',
          'A second factor is set up already. Regenerate recovery codes, or ask an administrator to reset it.',
        );
      }
      await appendAudit(tx, {
        actorType: 'admin',
        actorId: user.id,
        action: 'mfa.enrolment_started',
        targetType: 'user',
        targetId: user.id,
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: now,
      });
    });
    const uri = otpauthUri(secret, user.email);
    return { secret, otpauth_uri: uri, qr_svg: await qrCodeSvg(uri) };
  }

  /**
   * Confirms the enrolment with a code from the app: the second factor is on, ten recovery codes
   * are issued (shown this once), and every other session of the account — signed in with the
   * password alone — ends.
   */
  async confirmEnrolment(user: User, sessionId: string, code: string, meta: RequestMeta) {
    requireOperator(user);
    const row = await repo.findTotp(this.db, user.id);
    if (!row)
      throw conflict('mfa_enrolment_not_started', 'Start the set-up first to get a secret.');
    if (row.confirmedAt)
      throw conflict('mfa_already_enrolled', 'A second factor is set up already.');
    const now = this.clock.now();
    const step = matchingStep(row.secret, code, now);
    if (step === undefined) throw codeRefused(403, false);
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    return this.sessions.changing(async (tx) => {
      if (!(await repo.claimTotpStep(tx, user.id, step))) throw codeRefused(403, true);
      await repo.confirmTotp(tx, user.id, now);
      await repo.replaceRecoveryCodes(tx, user.id, codes.map(recoveryCodeHash), now);
      const ended = await repo.deleteOtherSessionsOfUser(tx, user.id, sessionId);
      await appendAudit(tx, {
        actorType: 'admin',
        actorId: user.id,
        action: 'mfa.enrolled',
        targetType: 'user',
        targetId: user.id,
        after: { method: 'totp', recovery_codes: codes.length, other_sessions_ended: ended },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: now,
      });
      return { recovery_codes: codes, other_sessions_ended: ended };
    });
  }

  /** New recovery codes (the old ones stop working); needs a current code from the app. */
  async regenerateRecoveryCodes(user: User, code: string, meta: RequestMeta) {
    requireOperator(user);
    const row = await repo.findTotp(this.db, user.id);
    if (!row?.confirmedAt) throw conflict('mfa_not_enrolled', 'Set up a second factor first.');
    const now = this.clock.now();
    const step = matchingStep(row.secret, code, now);
    if (step === undefined) throw codeRefused(403, false);
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    return this.db.transaction(async (tx) => {
      if (!(await repo.claimTotpStep(tx, user.id, step))) throw codeRefused(403, true);
      await repo.replaceRecoveryCodes(tx, user.id, codes.map(recoveryCodeHash), now);
      await appendAudit(tx, {
        actorType: 'admin',
        actorId: user.id,
        action: 'mfa.recovery_codes_regenerated',
        targetType: 'user',
        targetId: user.id,
        after: { recovery_codes: codes.length },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: now,
      });
      return { recovery_codes: codes };
    });
  }

  /**
   * The sign-in's second step: a code from the app, or a recovery code (each works once). The
   * waiting session is replaced by a full one (a new token: the waiting one is worth nothing).
   */
  async completeSignIn(
    pending: ResolvedSession,
    input: { code?: string | undefined; recoveryCode?: string | undefined },
    meta: RequestMeta,
  ): Promise<SignedIn> {
    const user = pending.user;
    const row = await repo.findTotp(this.db, user.id);
    const now = this.clock.now();
    const byRecovery = input.code === undefined;
    if (input.code !== undefined && input.recoveryCode !== undefined) {
      throw new AppError(400, 'validation_failed', 'Send either code or recovery_code, not both.');
    }
    if (byRecovery && input.recoveryCode === undefined) {
      throw new AppError(400, 'validation_failed', 'Send code (or recovery_code).', {
        field: 'code',
      });
    }
    const step = row?.confirmedAt && !byRecovery ? matchingStep(row.secret, input.code!, now) : 0;
    if (!row?.confirmedAt || step === undefined)
      throw codeRefused(401, false, byRecovery ? 'recovery_code' : 'code');
    return this.sessions.changing(async (tx) => {
      if (byRecovery) {
        const hash = recoveryCodeHash(input.recoveryCode!);
        if (!(await repo.useRecoveryCode(tx, user.id, hash, now)))
          throw codeRefused(401, false, 'recovery_code');
        await appendAudit(tx, {
          actorType: actorTypeOf(user),
          actorId: user.id,
          action: 'mfa.recovery_code_used',
          targetType: 'user',
          targetId: user.id,
          after: { recovery_codes_left: await repo.countUnusedRecoveryCodes(tx, user.id) },
          ip: meta.ip,
          requestId: meta.requestId,
          occurredAt: now,
        });
      } else if (!(await repo.claimTotpStep(tx, user.id, step))) {
        throw codeRefused(401, true);
      }
      await this.sessions.destroy(tx, pending.id);
      const session = await this.sessions.create(tx, user.id, meta);
      await appendAudit(tx, {
        actorType: actorTypeOf(user),
        actorId: user.id,
        action: 'session.created',
        targetType: 'user',
        targetId: user.id,
        after: { second_factor: byRecovery ? 'recovery_code' : 'totp' },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: now,
      });
      return { user: toPublicUser(user), secondFactorPending: false, ...session };
    });
  }

  /**
   * Removes an operator's second factor and recovery codes and ends all their sessions: the way
   * back for someone who lost their device (`npm run admin:reset-mfa`). With OPERATOR_MFA=required
   * they enrol again at their next sign-in. Undefined when no such account exists.
   */
  async reset(email: string, by: { type: ActorType; id: string | null }) {
    const user = await repo.findUserByEmail(this.db, email.trim().toLowerCase());
    if (!user) return undefined;
    const now = this.clock.now();
    return this.sessions.changing(async (tx) => {
      const removed = await repo.deleteSecondFactor(tx, user.id);
      const ended = await repo.deleteSessionsOfUser(tx, user.id);
      await appendAudit(tx, {
        actorType: by.type,
        actorId: by.id,
        action: 'mfa.reset',
        targetType: 'user',
        targetId: user.id,
        after: { second_factor_removed: removed, sessions_ended: ended },
        occurredAt: now,
      });
      return { user: toPublicUser(user), removed, sessionsEnded: ended };
    });
  }
}
