// /api/admin/alerts: the rules and their states, their history, evaluate now, acknowledge and
// silence. The console's Alerts page is built on these.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { badRequest } from '../../lib/errors.ts';
import { actorFrom } from '../audit/actor.ts';
import type { AlertsService } from './service.ts';
import {
  acknowledgeAlertSchema,
  evaluateAlertsSchema,
  listAlertEventsSchema,
  listAlertsSchema,
  silenceAlertSchema,
} from './schemas.ts';

/** A silence longer than this is a rule that should be changed, not silenced. */
const MAX_SILENCE_MS = 30 * 24 * 3_600_000;

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

type ListedRule = Awaited<ReturnType<AlertsService['list']>>[number];

function publicRule(r: ListedRule) {
  const s = r.state;
  return {
    id: r.id,
    title: r.title,
    severity: r.severity,
    state: s?.state ?? 'ok',
    since: iso(s?.since),
    value: s?.value ?? null,
    summary: s?.summary ?? null,
    evaluated_at: iso(s?.evaluatedAt),
    notified_at: iso(s?.notifiedAt),
    acknowledged_at: iso(s?.acknowledgedAt),
    silenced_until: iso(s?.silencedUntil),
  };
}

export default async function adminAlertRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { alerts } = app.services;
  const ruleNamed = async (id: string) =>
    publicRule((await alerts.list()).find((r) => r.id === id)!);

  app.get('/alerts', { schema: listAlertsSchema, config: { auth: 'admin' } }, async () => ({
    data: (await alerts.list()).map(publicRule),
    channels: alerts.channelNames(),
  }));

  app.get(
    '/alerts/events',
    { schema: listAlertEventsSchema, config: { auth: 'admin' } },
    async (request) => {
      const q = request.query;
      const page = await alerts.history({
        limit: q.limit ?? 25,
        startingAfter: q.starting_after,
        ruleId: q.rule,
      });
      return {
        data: page.data.map((e) => ({
          id: e.id,
          rule_id: e.ruleId,
          kind: e.kind,
          value: e.value,
          summary: e.summary,
          created_at: e.createdAt.toISOString(),
          deliveries: page.deliveries
            .filter((d) => d.eventId === e.id)
            .map((d) => ({
              channel: d.channel,
              attempts: d.attempts,
              sent_at: iso(d.sentAt),
              last_error: d.lastError,
            })),
        })),
        has_more: page.hasMore,
      };
    },
  );

  app.post(
    '/alerts/evaluate',
    { schema: evaluateAlertsSchema, config: { auth: 'admin' } },
    async () => {
      const result = await alerts.evaluate();
      const delivery = await alerts.deliver();
      return {
        evaluated: result.evaluated,
        ran: result.ran,
        transitions: result.transitions.map((t) => ({ rule_id: t.ruleId, kind: t.kind })),
        ...delivery,
      };
    },
  );

  app.post(
    '/alerts/:rule/acknowledge',
    { schema: acknowledgeAlertSchema, config: { auth: 'admin' } },
    async (request) => {
      await alerts.acknowledge(request.params.rule, actorFrom(request));
      return ruleNamed(request.params.rule);
    },
  );

  app.post(
    '/alerts/:rule/silence',
    { schema: silenceAlertSchema, config: { auth: 'admin' } },
    async (request) => {
      const until = request.body.until === null ? null : new Date(request.body.until);
      const now = app.ctx.clock.now();
      if (until && (until <= now || until.getTime() - now.getTime() > MAX_SILENCE_MS)) {
        throw badRequest(
          'silence_out_of_range',
          'until must be in the future and at most 30 days ahead.',
          {
            field: 'until',
          },
        );
      }
      await alerts.silence(request.params.rule, until, actorFrom(request));
      return ruleNamed(request.params.rule);
    },
  );
}
