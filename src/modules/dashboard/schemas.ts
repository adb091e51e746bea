import { Type, type Static } from 'typebox';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';

const windowSchema = (options: { title?: string; default?: string } = {}) =>
  Type.Union([Type.Literal('1h'), Type.Literal('24h'), Type.Literal('7d'), Type.Literal('30d')], {
    description: 'The period the figures cover, ending now',
    ...options,
  });
const DashboardWindow = windowSchema({ title: 'DashboardWindow' });
export type DashboardWindow = Static<typeof DashboardWindow>;

const Count = Type.Integer({ minimum: 0 });
const rate = (description: string) =>
  Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description });
const Ms = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

const CurrencyVolume = Type.Object(
  {
    currency: Type.String(),
    count: Count,
    amount: Type.Integer({ description: 'Sum of the amounts of every payment, minor units' }),
    succeeded_count: Count,
    succeeded_amount: Type.Integer({
      description: 'Amount captured by the succeeded payments, minor units',
    }),
  },
  { title: 'DashboardCurrencyVolume' },
);

const SeriesPoint = Type.Object(
  {
    at: Type.String({ format: 'date-time', description: 'Start of the bucket' }),
    succeeded: Count,
    failed: Count,
  },
  { title: 'DashboardSeriesPoint' },
);

const Payments = Type.Object(
  {
    count: Type.Integer({ minimum: 0, description: 'Payments created in the window' }),
    succeeded: Count,
    failed: Count,
    canceled: Count,
    declined: Type.Integer({
      minimum: 0,
      description: 'Failed payments the card was declined for (Stripe card_error codes)',
    }),
    success_rate: rate(
      'succeeded ÷ (succeeded + failed), of the payments created in the window; null without either',
    ),
    authorization_rate: rate(
      'succeeded ÷ (succeeded + declined): how often a card that was asked said yes; null without either',
    ),
    by_currency: Type.Array(CurrencyVolume),
    series: Type.Object({
      bucket_seconds: Type.Integer({ minimum: 1 }),
      points: Type.Array(SeriesPoint),
    }),
  },
  { title: 'DashboardPayments' },
);

const Refunds = Type.Object(
  {
    count: Count,
    failed: Count,
    by_currency: Type.Array(
      Type.Object({
        currency: Type.String(),
        count: Count,
        amount: Type.Integer({ description: 'Succeeded refunds, minor units' }),
      }),
    ),
  },
  { title: 'DashboardRefunds' },
);

const Waiting = Type.Object(
  {
    status: Type.Union([
      Type.Literal('creating'),
      Type.Literal('unknown'),
      Type.Literal('requires_action'),
    ]),
    under_5m: Count,
    from_5m_to_1h: Count,
    over_1h: Count,
  },
  { title: 'DashboardWaitingPayments' },
);

export const Dashboard = Type.Object(
  {
    window: DashboardWindow,
    since: Time,
    until: Time,
    payments: Payments,
    decline_reasons: Type.Array(Type.Object({ code: Type.String(), count: Count }), {
      description: 'The most frequent decline codes in the window, most frequent first',
    }),
    refunds: Refunds,
    disputes: Type.Object({
      opened: Type.Integer({ minimum: 0, description: 'Disputes opened in the window' }),
      open: Type.Integer({
        minimum: 0,
        description: 'Disputes waiting for a response or review now',
      }),
    }),
    stripe: Type.Object(
      {
        calls: Count,
        errors: Type.Integer({
          minimum: 0,
          description: '5xx answers, timeouts, connection errors',
        }),
        error_rate: Type.Number({ minimum: 0, maximum: 1 }),
        p50_ms: Ms,
        p99_ms: Ms,
      },
      { title: 'DashboardStripeCalls' },
    ),
    webhooks: Type.Object(
      {
        backlog: Type.Integer({ minimum: 0, description: 'Events received and not processed now' }),
        oldest_received_at: NullableTime,
        oldest_age_seconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
        processed: Type.Integer({
          minimum: 0,
          description: 'Received in the window and processed',
        }),
        failed: Count,
        delay_p50_ms: Ms,
        delay_p99_ms: Ms,
      },
      { title: 'DashboardWebhooks' },
    ),
    waiting: Type.Array(Waiting, {
      description: 'Payments waiting now, by status and by time since they were created',
    }),
    reconciliation: Type.Union([
      Type.Object(
        {
          run_id: Type.Integer(),
          started_at: Time,
          finished_at: NullableTime,
          discrepancies: Count,
          unfixed: Type.Integer({
            minimum: 0,
            description: 'Differences the run found and could not fix: drift still there',
          }),
          error: Type.Union([Type.String(), Type.Null()]),
        },
        { title: 'DashboardReconciliation' },
      ),
      Type.Null(),
    ]),
    alerts: Type.Array(
      Type.Object(
        { rule_id: Type.String(), summary: Type.Union([Type.String(), Type.Null()]), since: Time },
        { title: 'DashboardFiringAlert' },
      ),
    ),
  },
  { title: 'Dashboard' },
);
export type DashboardFigures = Static<typeof Dashboard>;

export const dashboardSchema = {
  operationId: 'adminDashboard',
  tags: ['admin'],
  summary: 'Figures for the console dashboard over a window ending now',
  querystring: StrictObject({
    window: Type.Optional(windowSchema({ default: '24h' })),
  }),
  response: { 200: Dashboard, ...errorResponses(400, 401, 403) },
};
