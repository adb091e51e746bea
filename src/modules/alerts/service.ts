// Alerting (issue 11): evaluates the rules of ./rules.ts from the database, moves each rule
// through ok → pending → firing → ok (./state-machine.ts), records every transition in the rule's
// history and the audit log, and queues one notification per channel in the same transaction
// (an outbox). `deliver` sends what is queued, with retries; the evaluate job runs both every
// minute (./jobs.ts). Operators acknowledge (no more reminders) and silence (nothing sent until).
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { notFound } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import { addEventCounts } from './repository.ts';
import * as repo from './repository.ts';
import { breaches, measures, type MeasureSources, type Measurement } from './measures.ts';
import type { AuthService } from '../auth/service.ts';
import { postToChat, sendEmail, type AlertChannels, type AlertMessage } from './notifier.ts';
import { alertRules, allRuleIds, DATABASE_RULE_ID, type AlertRule } from './rules.ts';
import { decide, initialState, type RuleState, type TransitionKind } from './state-machine.ts';
import type { MinuteCount } from '../../lib/event-counts.ts';

/** Any constant: one evaluation at a time across every instance. */
const EVALUATOR_LOCK = 7_301_2029;
/** A notification is given up after this many attempts (about a day with the back-off below). */
export const MAX_DELIVERY_ATTEMPTS = 12;
/** How long a sender holds a notification before another may try it. */
const DELIVERY_LEASE_MS = 2 * 60_000;

export const databaseRule = {
  id: DATABASE_RULE_ID,
  title: 'The database is unreachable',
  severity: 'critical',
  runbook:
    'Payments answer 503 until it is back; nothing is lost. Check the PostgreSQL server, its disk and the network.',
} as const;

export interface AlertsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  channels: AlertChannels;
  /** The console's Alerts page, for links in notifications. */
  consoleUrl: string;
  reminderMs: number;
  /** pg-boss's schema, for the job backlog rule. */
  jobSchema: string;
  /** The components the rules read (ADR 015). */
  sources: MeasureSources;
  operators: Pick<AuthService, 'operatorEmails'>;
}

export interface EvaluationResult {
  evaluated: number;
  transitions: { ruleId: string; kind: TransitionKind }[];
  /** False when another instance was evaluating at the same moment (this one did nothing). */
  ran: boolean;
}

const ruleById = new Map<string, { title: string; severity: string; runbook: string }>([
  ...alertRules.map((r) => [r.id, r] as const),
  [DATABASE_RULE_ID, databaseRule],
]);

export class AlertsService {
  constructor(private readonly deps: AlertsDeps) {}

  /** Measures every rule, then records the transitions, all under one lock. */
  async evaluate(): Promise<EvaluationResult> {
    const { db, clock, logger } = this.deps;
    const now = clock.now();
    const measured: { rule: AlertRule; m: Measurement }[] = [];
    for (const rule of alertRules) {
      try {
        measured.push({
          rule,
          m: await measures[rule.measure](
            { db, now, jobSchema: this.deps.jobSchema, sources: this.deps.sources },
            rule,
          ),
        });
      } catch (err) {
        // One broken measurement must not silence the others.
        logger.error({ err, rule: rule.id }, 'alert rule could not be measured');
      }
    }
    const transitions: EvaluationResult['transitions'] = [];
    const ran = await db.transaction(async (tx) => {
      if (!(await repo.tryEvaluatorLock(tx, EVALUATOR_LOCK))) return false;
      const states = new Map((await repo.allStates(tx)).map((s) => [s.ruleId, s]));
      for (const { rule, m } of measured) {
        const row = states.get(rule.id);
        const current: RuleState = row ?? initialState(now);
        const decision = decide(current, breaches(rule, m), rule, now, this.deps.reminderMs);
        await repo.saveState(tx, {
          ruleId: rule.id,
          ...decision.next,
          acknowledgedBy: decision.next.acknowledgedAt ? (row?.acknowledgedBy ?? null) : null,
          value: Number.isFinite(m.value) ? m.value : null,
          summary: m.detail,
          evaluatedAt: now,
        });
        if (decision.transition) {
          await this.recordTransition(tx, rule.id, decision.transition, decision.notify, m, now);
          transitions.push({ ruleId: rule.id, kind: decision.transition });
        }
      }
      return true;
    });
    return { evaluated: measured.length, transitions, ran };
  }

  /** Records a transition reported from outside the evaluation (the database watch). */
  async recordExternal(
    ruleId: string,
    kind: 'firing' | 'resolved',
    summary: string,
    at: Date,
    notified: boolean,
  ): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      const row = await repo.stateOf(tx, ruleId);
      await repo.saveState(tx, {
        ...(row ?? { ruleId, ...initialState(at), acknowledgedBy: null }),
        state: kind === 'firing' ? 'firing' : 'ok',
        since: at,
        value: null,
        summary,
        evaluatedAt: now,
        notifiedAt: notified ? at : (row?.notifiedAt ?? null),
      });
      // Sent already (the database was down): recorded as delivered by the watch, not queued.
      await this.recordTransition(tx, ruleId, kind, false, { value: NaN, detail: summary }, at);
    });
  }

  private async recordTransition(
    tx: Parameters<Parameters<Db['transaction']>[0]>[0],
    ruleId: string,
    kind: TransitionKind,
    notify: boolean,
    m: Measurement,
    at: Date,
  ): Promise<void> {
    const value = Number.isFinite(m.value) ? m.value : null;
    const eventId = await repo.insertEvent(tx, { ruleId, kind, value, summary: m.detail, at });
    if (notify) await repo.queueNotifications(tx, eventId, this.enabledChannels());
    await appendAudit(tx, {
      actorType: 'system',
      actorId: 'alerts',
      action: `alert.${kind}`,
      targetType: 'alert',
      targetId: ruleId,
      after: { summary: m.detail, value, notified: notify ? this.enabledChannels() : [] },
      occurredAt: at,
    });
  }

  /** Where notifications go besides the console, for the Alerts page. */
  channelNames(): string[] {
    return this.enabledChannels().map((c) =>
      c === 'webhook'
        ? 'chat webhook'
        : this.deps.channels.mailer?.kind === 'catcher'
          ? 'email, kept by the local catcher'
          : 'email',
    );
  }

  private enabledChannels(): ('email' | 'webhook')[] {
    const { mailer, webhookUrl } = this.deps.channels;
    return [...(mailer ? (['email'] as const) : []), ...(webhookUrl ? (['webhook'] as const) : [])];
  }

  /** Sends the queued notifications that are due; returns how many were sent and failed. */
  async deliver(): Promise<{ sent: number; failed: number }> {
    const { db, clock, logger, channels } = this.deps;
    let sent = 0;
    let failed = 0;
    for (;;) {
      const now = clock.now();
      const due = await repo.claimDueNotifications(
        db,
        now,
        new Date(now.getTime() + DELIVERY_LEASE_MS),
        MAX_DELIVERY_ATTEMPTS,
        20,
      );
      if (!due.length) return { sent, failed };
      for (const n of due) {
        const message = this.messageOf(
          n.event.ruleId,
          n.event.kind as TransitionKind,
          n.event.summary,
          n.event.createdAt,
        );
        try {
          if (n.channel === 'email') {
            if (!channels.mailer) throw new Error('no mailer configured (SMTP_URL)');
            const to = channels.emailTo.length
              ? channels.emailTo
              : await this.deps.operators.operatorEmails();
            await sendEmail(channels.mailer, to, message);
          } else {
            if (!channels.webhookUrl)
              throw new Error('no chat webhook configured (ALERT_WEBHOOK_URL)');
            await postToChat(channels.webhookUrl, message);
          }
          await repo.markSent(db, n.id, clock.now());
          sent++;
        } catch (err) {
          failed++;
          // Back-off: 1, 2, 4 … minutes, at most an hour apart.
          const delayMs = Math.min(60, 2 ** (n.attempts - 1)) * 60_000;
          await repo.markFailed(
            db,
            n.id,
            (err as Error).message,
            new Date(clock.now().getTime() + delayMs),
          );
          logger.warn(
            {
              err: (err as Error).message,
              channel: n.channel,
              rule: n.event.ruleId,
              attempt: n.attempts,
            },
            'alert notification not delivered; will retry',
          );
        }
      }
    }
  }

  messageOf(ruleId: string, kind: TransitionKind, summary: string, at: Date): AlertMessage {
    const rule = ruleById.get(ruleId) ?? { title: ruleId, severity: 'warning', runbook: '' };
    return { ruleId, kind, summary, at, consoleUrl: this.deps.consoleUrl, ...rule };
  }

  /** The rules firing now, longest-firing first (the dashboard shows them). */
  async firing(): Promise<{ ruleId: string; summary: string | null; since: Date }[]> {
    return (await repo.allStates(this.deps.db))
      .filter((s) => s.state === 'firing')
      .sort((a, b) => a.since.getTime() - b.since.getTime() || a.ruleId.localeCompare(b.ruleId))
      .map((s) => ({ ruleId: s.ruleId, summary: s.summary, since: s.since }));
  }

  /** Every rule with its current state, never evaluated ones as `ok`. */
  async list() {
    const states = new Map((await repo.allStates(this.deps.db)).map((s) => [s.ruleId, s]));
    return allRuleIds.map((id) => {
      const rule = ruleById.get(id)!;
      return { id, title: rule.title, severity: rule.severity, state: states.get(id) };
    });
  }

  async history(page: {
    limit: number;
    startingAfter?: number | undefined;
    ruleId?: string | undefined;
  }) {
    const events = await repo.listEvents(this.deps.db, page);
    const deliveries = await repo.deliveriesOf(
      this.deps.db,
      events.data.map((e) => e.id),
    );
    return { ...events, deliveries };
  }

  /** An operator owns it: no reminders until it resolves. */
  async acknowledge(ruleId: string, actor: Actor): Promise<void> {
    await this.changeState(ruleId, actor, 'acknowledged', (row, now) => ({
      ...row,
      acknowledgedAt: now,
      acknowledgedBy: actor.type === 'admin' ? actor.id : null,
    }));
  }

  /** Nothing is sent for this rule until `until` (null: lift the silence). */
  async silence(ruleId: string, until: Date | null, actor: Actor): Promise<void> {
    await this.changeState(ruleId, actor, 'silenced', (row) => ({ ...row, silencedUntil: until }));
  }

  private async changeState(
    ruleId: string,
    actor: Actor,
    kind: 'acknowledged' | 'silenced',
    change: (row: repo.AlertStateRow, now: Date) => repo.AlertStateRow,
  ): Promise<void> {
    if (!ruleById.has(ruleId)) throw notFound('Alert rule');
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      const row = (await repo.stateOf(tx, ruleId)) ?? {
        ruleId,
        ...initialState(now),
        acknowledgedBy: null,
        value: null,
        summary: null,
        evaluatedAt: now,
      };
      const next = change(row, now);
      await repo.saveState(tx, next);
      const summary =
        kind === 'acknowledged'
          ? 'acknowledged'
          : next.silencedUntil
            ? `silenced until ${next.silencedUntil.toISOString()}`
            : 'silence lifted';
      await repo.insertEvent(tx, { ruleId, kind, value: null, summary, at: now });
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: `alert.${kind}`,
        targetType: 'alert',
        targetId: ruleId,
        before: { acknowledged_at: row.acknowledgedAt, silenced_until: row.silencedUntil },
        after: { acknowledged_at: next.acknowledgedAt, silenced_until: next.silencedUntil },
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
    });
  }

  /** Delivered notifications sent before `before` (retention, ADR 024). */
  countSentNotifications(before: Date): Promise<number> {
    return repo.countSentNotifications(this.deps.db, before);
  }

  /** Deletes up to `limit` of them; returns how many. */
  deleteSentNotifications(before: Date, limit: number): Promise<number> {
    return repo.deleteSentNotifications(this.deps.db, before, limit);
  }

  /** Per-minute event counts older than `before`. */
  countEventMinutesBefore(before: Date): Promise<number> {
    return repo.countEventMinutesBefore(this.deps.db, before);
  }

  /** Deletes up to `limit` of them; returns how many. */
  deleteEventMinutesBefore(before: Date, limit: number): Promise<number> {
    return repo.deleteEventMinutesBefore(this.deps.db, before, limit);
  }

  /** Adds this process's counted events (lib/event-counts.ts) to the shared minutes. */
  flushEventCounts(instance: string, counts: MinuteCount[]): Promise<void> {
    return addEventCounts(this.deps.db, instance, counts);
  }
}
