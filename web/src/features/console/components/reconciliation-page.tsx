import { useQuery } from '@tanstack/react-query';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { SkeletonText } from '../../../components/skeleton';
import { formatDateTime } from '../../../lib/dates';
import type { ReconciliationRun } from '../../../types/admin';
import { reconciliationRunsQuery, useRunReconciliation } from '../api/reconciliation';
import { Empty, Id, TableScroll } from './console-ui';

export function ReconciliationPage() {
  const runs = useQuery(reconciliationRunsQuery);
  const run = useRunReconciliation();
  const list = runs.data?.data ?? [];
  return (
    <div>
      <title>Reconciliation · Console · Paydeck</title>
      <div className="page-head">
        <h1>Reconciliation</h1>
        <Button variant="secondary" pending={run.isPending} onClick={() => run.mutate()}>
          Run now
        </Button>
      </div>
      <p className="lead">
        Our records compared with Stripe’s. Differences are listed, and fixed on our side where
        Stripe is right.
      </p>
      {run.data ? (
        <Alert tone={run.data.error ? 'error' : 'success'} live title="Reconciliation finished">
          <p>
            {run.data.payments_checked} payments and {run.data.refunds_checked} refunds checked;{' '}
            {run.data.discrepancy_count === 0
              ? 'no differences.'
              : `${run.data.discrepancy_count} differences.`}
          </p>
        </Alert>
      ) : null}
      {run.error ? <ErrorAlert error={run.error} title="Reconciliation could not run" /> : null}
      {runs.error ? (
        <ErrorAlert
          error={runs.error}
          title="Runs could not be loaded"
          onRetry={() => void runs.refetch()}
        />
      ) : null}
      {runs.isPending ? (
        <div className="panel" role="status" aria-label="Loading runs…">
          <SkeletonText lines={3} />
        </div>
      ) : null}
      {runs.data && list.length === 0 ? (
        <Empty>
          <p>No runs yet. A run happens on a schedule, or now with “Run now”.</p>
        </Empty>
      ) : null}
      {list.map((item) => (
        <Run key={item.id} run={item} />
      ))}
    </div>
  );
}

function Run({ run }: { run: ReconciliationRun }) {
  const headingId = `run-${run.id}`;
  return (
    <section className="panel run" aria-labelledby={headingId} data-testid="reconciliation-run">
      <div className="panel__head">
        <h2 id={headingId}>
          Run #{run.id} · <time dateTime={run.started_at}>{formatDateTime(run.started_at)}</time>
        </h2>
        <span
          className={`status status--${run.error ? 'error' : run.discrepancy_count > 0 ? 'warning' : 'success'}`}
        >
          {run.error
            ? 'Failed'
            : run.finished_at
              ? run.discrepancy_count > 0
                ? `${run.discrepancy_count} differences`
                : 'All matched'
              : 'Running'}
        </span>
      </div>
      <p>
        {run.payments_checked} payments checked, {run.refunds_checked} refunds checked
        {run.finished_at ? `; finished ${formatDateTime(run.finished_at)}` : ''}.
      </p>
      {run.error ? (
        <Alert tone="error" live={false}>
          <p>{run.error}</p>
        </Alert>
      ) : null}
      {run.discrepancies.length > 0 ? (
        <TableScroll label={`Differences found by run ${run.id}`}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Object</th>
                <th scope="col">Stripe id</th>
                <th scope="col">Field</th>
                <th scope="col">Ours</th>
                <th scope="col">Stripe’s</th>
                <th scope="col">Fixed</th>
              </tr>
            </thead>
            <tbody>
              {run.discrepancies.map((d) => (
                <tr key={d.id}>
                  <td>
                    {d.object_type}
                    <span className="cell-note">
                      <Id>{d.object_id}</Id>
                    </span>
                  </td>
                  <td>
                    <Id>{d.stripe_id}</Id>
                  </td>
                  <td>
                    <code>{d.field}</code>
                  </td>
                  <td>{d.ours ?? '—'}</td>
                  <td>{d.theirs ?? '—'}</td>
                  <td>{d.fixed ? 'Yes' : 'No'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
    </section>
  );
}
