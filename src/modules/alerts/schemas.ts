import { Type } from 'typebox';
import { listOf } from '../../lib/api-schemas.ts';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';

const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Number>>(t: T) =>
  Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

const AlertRuleState = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    severity: Type.String({ description: 'critical, warning or info' }),
    state: Type.Union([Type.Literal('ok'), Type.Literal('pending'), Type.Literal('firing')]),
    since: Nullable(DateTime),
    value: Nullable(Type.Number()),
    summary: Nullable(Type.String()),
    evaluated_at: Nullable(DateTime),
    notified_at: Nullable(DateTime),
    acknowledged_at: Nullable(DateTime),
    silenced_until: Nullable(DateTime),
  },
  { title: 'AlertRuleState' },
);

const AlertDelivery = Type.Object(
  {
    channel: Type.Union([Type.Literal('email'), Type.Literal('webhook')]),
    attempts: Type.Integer(),
    sent_at: Nullable(DateTime),
    last_error: Nullable(Type.String()),
  },
  { title: 'AlertDelivery' },
);

const AlertEvent = Type.Object(
  {
    id: Type.Integer(),
    rule_id: Type.String(),
    kind: Type.String({
      description: 'pending, firing, resolved, reminder, acknowledged or silenced',
    }),
    value: Nullable(Type.Number()),
    summary: Type.String(),
    created_at: DateTime,
    deliveries: Type.Array(AlertDelivery),
  },
  { title: 'AlertEvent' },
);

const RuleParams = StrictObject({
  rule: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_]+$' }),
});

export const listAlertsSchema = {
  operationId: 'adminListAlerts',
  tags: ['admin'],
  summary: 'Every alert rule with its current state',
  response: {
    200: Type.Object(
      {
        data: Type.Array(AlertRuleState),
        channels: Type.Array(Type.String(), {
          description: 'Where notifications go besides the console',
        }),
      },
      { title: 'AlertRuleList' },
    ),
    ...errorResponses(401, 403),
  },
};

export const listAlertEventsSchema = {
  operationId: 'adminListAlertEvents',
  tags: ['admin'],
  summary: 'The history of alert transitions, newest first, with their deliveries',
  querystring: StrictObject({
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    starting_after: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    rule: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_]+$' })),
  }),
  response: { 200: listOf(AlertEvent, 'AlertEventList'), ...errorResponses(400, 401, 403) },
};

export const evaluateAlertsSchema = {
  operationId: 'adminEvaluateAlerts',
  tags: ['admin'],
  summary: 'Evaluate the alert rules now and send what is due',
  body: Type.Optional(StrictObject({})),
  response: {
    200: Type.Object(
      {
        evaluated: Type.Integer(),
        ran: Type.Boolean({ description: 'False when another instance was evaluating' }),
        transitions: Type.Array(Type.Object({ rule_id: Type.String(), kind: Type.String() })),
        sent: Type.Integer(),
        failed: Type.Integer(),
      },
      { title: 'AlertEvaluation' },
    ),
    ...errorResponses(400, 401, 403),
  },
};

export const acknowledgeAlertSchema = {
  operationId: 'adminAcknowledgeAlert',
  tags: ['admin'],
  summary: 'Acknowledge a firing alert: no reminders until it resolves',
  params: RuleParams,
  body: Type.Optional(StrictObject({})),
  response: { 200: AlertRuleState, ...errorResponses(400, 401, 403, 404) },
};

export const silenceAlertSchema = {
  operationId: 'adminSilenceAlert',
  tags: ['admin'],
  summary: 'Send nothing for a rule until a moment (null lifts the silence)',
  params: RuleParams,
  body: StrictObject({
    until: Type.Union([DateTime, Type.Null()], {
      description: 'When notifications resume: at most 30 days ahead',
    }),
  }),
  response: { 200: AlertRuleState, ...errorResponses(400, 401, 403, 404) },
};
