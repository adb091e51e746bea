import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DiscrepancyRow, RunRow } from './repository.ts';
import { listRunsSchema, runNowSchema } from './schemas.ts';

function publicRun(run: RunRow & { found: DiscrepancyRow[] }) {
  return {
    id: run.id,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt?.toISOString() ?? null,
    payments_checked: run.paymentsChecked,
    refunds_checked: run.refundsChecked,
    discrepancy_count: run.discrepancies,
    error: run.error,
    discrepancies: run.found.map((d) => ({
      id: d.id,
      object_type: d.objectType,
      object_id: d.objectId,
      stripe_id: d.stripeId,
      field: d.field,
      ours: d.ours,
      theirs: d.theirs,
      fixed: d.fixed,
    })),
  };
}

/** /api/admin/reconciliation: the report, and a run on demand. */
export async function adminReconciliationRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/reconciliation/runs',
    { schema: listRunsSchema, config: { auth: 'admin' } },
    async (request) => ({
      data: (await app.services.reconciliation.latestRuns(request.query.limit ?? 10)).map(
        publicRun,
      ),
    }),
  );
  app.post(
    '/reconciliation/run',
    { schema: runNowSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async () => publicRun(await app.services.reconciliation.reconcile()),
  );
}
