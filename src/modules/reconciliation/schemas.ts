import { Type } from 'typebox';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const Discrepancy = Type.Object(
  {
    id: Type.Integer(),
    object_type: Type.Union([Type.Literal('payment'), Type.Literal('refund')]),
    object_id: Type.String(),
    stripe_id: Nullable(Type.String()),
    field: Type.String({ description: 'status, amount_captured, amount_refunded or disputed' }),
    ours: Nullable(Type.String()),
    theirs: Nullable(Type.String()),
    fixed: Type.Boolean({ description: 'Our record was brought in line with Stripe by this run' }),
  },
  { title: 'ReconciliationDiscrepancy' },
);

export const Run = Type.Object(
  {
    id: Type.Integer(),
    started_at: Type.String({ format: 'date-time' }),
    finished_at: Nullable(Type.String({ format: 'date-time' })),
    payments_checked: Type.Integer(),
    refunds_checked: Type.Integer(),
    discrepancy_count: Type.Integer(),
    error: Nullable(Type.String()),
    discrepancies: Type.Array(Discrepancy),
  },
  { title: 'ReconciliationRun' },
);

export const listRunsSchema = {
  operationId: 'adminListReconciliationRuns',
  tags: ['admin'],
  summary: 'Latest reconciliation runs with the differences they found',
  querystring: StrictObject({
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
  }),
  response: {
    200: Type.Object({ data: Type.Array(Run) }, { title: 'ReconciliationRunList' }),
    ...errorResponses(400, 401, 403),
  },
};

export const runNowSchema = {
  operationId: 'adminRunReconciliation',
  tags: ['admin'],
  summary: 'Reconcile with Stripe now',
  body: Type.Optional(StrictObject({})),
  response: { 200: Run, ...errorResponses(400, 401, 403) },
};
