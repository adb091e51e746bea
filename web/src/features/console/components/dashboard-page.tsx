// The console's first page: how payments are going, over a window the operator picks. Every
// figure comes from GET /api/admin/dashboard (database aggregates, ADR 020), read again every
// 30 seconds; the window lives in the address so a view can be shared.
import { useQuery } from '@tanstack/react-query';
import { Suspense, lazy, type ReactNode } from 'react';
import { ErrorBoundary } from '../../../components/error-boundary';
import { Link, useSearchParams } from 'react-router';
import { ErrorAlert } from '../../../components/alert';
import { SkeletonText } from '../../../components/skeleton';
import { statusLabel } from '../../../components/status-badge';
import { formatDateTime } from '../../../lib/dates';
import { formatMoney } from '../../../lib/money';
import type { Dashboard, DashboardWindow } from '../../../types/admin';
import { DASHBOARD_WINDOWS, DEFAULT_DASHBOARD_WINDOW, dashboardQuery } from '../api/dashboard';
import { Empty, TableScroll, humanize } from './console-ui';
import { TestClockPanel } from './test-clock-panel';
import './dashboard.css';

// uPlot and its stylesheet load after the figures, in a chunk of their own.
const PaymentsChart = lazy(() => import('./dashboard-chart'));

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const count = new Intl.NumberFormat();

function formatRate(rate: number | null): string {
  return rate === null ? '—' : percent.format(rate);
}

function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function formatAge(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

function windowFrom(params: URLSearchParams): DashboardWindow {
  const value = params.get('window');
  return DASHBOARD_WINDOWS.find((w) => w.value === value)?.value ?? DEFAULT_DASHBOARD_WINDOW;
}

export function DashboardPage() {
  const [params] = useSearchParams();
  const window = windowFrom(params);
  const label = DASHBOARD_WINDOWS.find((w) => w.value === window)!.label;
  const figures = useQuery(dashboardQuery(window));
  const data = figures.data;
  return (
    <div className="dashboard">
      <title>Dashboard · Console · Paydeck</title>
      <div className="page-head">
        <h1>Dashboard</h1>
        <nav aria-label="Window">
          <ul className="dashboard__windows">
            {DASHBOARD_WINDOWS.map((w) => (
              <li key={w.value}>
                <Link
                  to={`/console?window=${w.value}`}
                  className="dashboard__window"
                  aria-current={w.value === window ? 'page' : undefined}
                >
                  {w.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </div>
      <p className="lead">
        The last {label}, from the database: the same on every instance and after a restart.
        {data ? ` Read at ${formatDateTime(data.until)}.` : ''}
      </p>
      <TestClockPanel />
      {figures.error ? (
        <ErrorAlert
          error={figures.error}
          title="The figures could not be loaded"
          onRetry={() => void figures.refetch()}
        />
      ) : null}
      {figures.isPending ? (
        <div className="panel" role="status" aria-label="Loading figures…">
          <SkeletonText lines={4} />
        </div>
      ) : null}
      {data ? <Figures data={data} windowLabel={label} /> : null}
    </div>
  );
}

function Figures({ data, windowLabel }: { data: Dashboard; windowLabel: string }) {
  const { payments, stripe, webhooks, refunds, disputes } = data;
  return (
    <>
      <FiringAlerts alerts={data.alerts} />
      <section aria-labelledby="dashboard-figures">
        <h2 id="dashboard-figures" className="visually-hidden">
          Figures
        </h2>
        <dl className="dashboard__tiles">
          <Tile label="Payments" testId="tile-payments">
            {count.format(payments.count)}
            <Note>
              {count.format(payments.succeeded)} succeeded · {count.format(payments.failed)} failed
              {payments.canceled ? ` · ${count.format(payments.canceled)} canceled` : ''}
            </Note>
          </Tile>
          <Tile label="Volume" testId="tile-volume">
            {payments.by_currency.length === 0
              ? '—'
              : payments.by_currency.map((c) => (
                  <span key={c.currency} className="dashboard__money">
                    {formatMoney(c.succeeded_amount, c.currency)}
                  </span>
                ))}
            <Note>Captured by succeeded payments</Note>
          </Tile>
          <Tile label="Success rate" testId="tile-success-rate">
            {formatRate(payments.success_rate)}
            <Note>Succeeded of succeeded and failed</Note>
          </Tile>
          <Tile label="Authorization rate" testId="tile-authorization-rate">
            {formatRate(payments.authorization_rate)}
            <Note>Succeeded of succeeded and declined ({count.format(payments.declined)})</Note>
          </Tile>
          <Tile label="Refunds" testId="tile-refunds">
            {count.format(refunds.count)}
            <Note>
              {refunds.by_currency.map((r) => formatMoney(r.amount, r.currency)).join(' · ') ||
                'None'}
              {refunds.failed ? ` · ${count.format(refunds.failed)} failed` : ''}
            </Note>
          </Tile>
          <Tile label="Disputes" testId="tile-disputes">
            {count.format(disputes.opened)}
            <Note>Opened · {count.format(disputes.open)} open now</Note>
          </Tile>
          <Tile label="Stripe latency" testId="tile-stripe-latency">
            {formatMs(stripe.p50_ms)}
            <Note>
              Median · p99 {formatMs(stripe.p99_ms)} · {count.format(stripe.calls)} calls
            </Note>
          </Tile>
          <Tile label="Stripe errors" testId="tile-stripe-errors">
            {stripe.calls ? percent.format(stripe.error_rate) : '—'}
            <Note>{count.format(stripe.errors)} 5xx, timeouts or connection failures</Note>
          </Tile>
          <Tile label="Webhook backlog" testId="tile-webhook-backlog">
            {count.format(webhooks.backlog)}
            <Note>
              {webhooks.oldest_age_seconds === null
                ? 'Nothing waiting'
                : `Oldest waiting ${formatAge(webhooks.oldest_age_seconds)}`}
            </Note>
          </Tile>
          <Tile label="Webhook delay" testId="tile-webhook-delay">
            {formatMs(webhooks.delay_p50_ms)}
            <Note>
              Median · p99 {formatMs(webhooks.delay_p99_ms)} · {count.format(webhooks.processed)}{' '}
              processed
              {webhooks.failed ? ` · ${count.format(webhooks.failed)} failed` : ''}
            </Note>
          </Tile>
        </dl>
      </section>

      <section className="panel" aria-labelledby="dashboard-chart">
        <h2 id="dashboard-chart">Payments over time</h2>
        <OutcomeChart payments={payments} windowLabel={windowLabel} />
      </section>

      <div className="dashboard__columns">
        <section className="panel" aria-labelledby="dashboard-declines">
          <h2 id="dashboard-declines">Decline reasons</h2>
          {data.decline_reasons.length === 0 ? (
            <p className="muted">No declines in the last {windowLabel}.</p>
          ) : (
            <TableScroll label="Decline reasons">
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">Reason</th>
                    <th scope="col" className="num">
                      Payments
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.decline_reasons.map((d) => (
                    <tr key={d.code}>
                      <td>
                        <Link to={`/console/payments?decline_code=${encodeURIComponent(d.code)}`}>
                          {humanize(d.code)}
                        </Link>
                      </td>
                      <td className="num">{count.format(d.count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </section>

        <section className="panel" aria-labelledby="dashboard-waiting">
          <h2 id="dashboard-waiting">Payments waiting</h2>
          <WaitingTable waiting={data.waiting} />
        </section>
      </div>

      <LastReconciliation run={data.reconciliation} />
    </>
  );
}

function Tile({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="dashboard__tile" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Note({ children }: { children: ReactNode }) {
  return <span className="dashboard__note">{children}</span>;
}

function FiringAlerts({ alerts }: { alerts: Dashboard['alerts'] }) {
  return (
    <section
      className={`panel dashboard__alerts${alerts.length ? ' dashboard__alerts--firing' : ''}`}
      aria-labelledby="dashboard-alerts"
    >
      <div className="panel__head">
        <h2 id="dashboard-alerts">Alerts firing now</h2>
        <Link to="/console/alerts">All alerts</Link>
      </div>
      {alerts.length === 0 ? (
        <p className="muted">No alert is firing.</p>
      ) : (
        <ul className="dashboard__alert-list">
          {alerts.map((a) => (
            <li key={a.rule_id}>
              <span className="status status--error">Firing</span>{' '}
              <Link to="/console/alerts">{a.summary ?? humanize(a.rule_id)}</Link>{' '}
              <span className="muted">
                since <time dateTime={a.since}>{formatDateTime(a.since)}</time>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function OutcomeChart({
  payments,
  windowLabel,
}: {
  payments: Dashboard['payments'];
  windowLabel: string;
}) {
  const { points, bucket_seconds: bucketSeconds } = payments.series;
  if (payments.succeeded + payments.failed === 0)
    return (
      <Empty>
        <p>No payment succeeded or failed in the last {windowLabel}.</p>
      </Empty>
    );
  const bucket = formatAge(bucketSeconds);
  return (
    <figure className="dashboard__figure">
      {/* The chart is an extra: if it cannot load or draw here (uPlot refuses a browser whose
          language tag Intl does not accept, e.g. en-US@posix), the figures stay, in the table. */}
      <ErrorBoundary
        fallback={() => (
          <p className="muted" data-testid="chart-unavailable">
            The chart cannot be drawn in this browser; the figures are in the table below.
          </p>
        )}
      >
        <Suspense
          fallback={
            <div className="dashboard-chart" role="status" aria-label="Loading chart…">
              <SkeletonText lines={4} />
            </div>
          }
        >
          <div aria-hidden="true">
            <PaymentsChart points={points} bucketSeconds={bucketSeconds} />
          </div>
        </Suspense>
      </ErrorBoundary>
      <figcaption>
        Succeeded (solid green) and failed (dashed red) payments per {bucket}, by when they were
        created.
      </figcaption>
      <details className="dashboard__details">
        <summary>The same figures as a table</summary>
        <TableScroll label={`Payments per ${bucket}`}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col" className="num">
                  Succeeded
                </th>
                <th scope="col" className="num">
                  Failed
                </th>
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.at}>
                  <td>
                    <time dateTime={p.at}>{formatDateTime(p.at)}</time>
                  </td>
                  <td className="num">{count.format(p.succeeded)}</td>
                  <td className="num">{count.format(p.failed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </figure>
  );
}

function WaitingTable({ waiting }: { waiting: Dashboard['waiting'] }) {
  if (waiting.every((w) => w.under_5m + w.from_5m_to_1h + w.over_1h === 0))
    return <p className="muted">No payment is waiting.</p>;
  return (
    <TableScroll label="Payments waiting, by time in their status">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Under 5 min
            </th>
            <th scope="col" className="num">
              5–60 min
            </th>
            <th scope="col" className="num">
              Over 1 h
            </th>
          </tr>
        </thead>
        <tbody>
          {waiting.map((w) => (
            <tr key={w.status} data-testid={`waiting-${w.status}`}>
              <th scope="row">
                <Link to={`/console/payments?status=${w.status}`}>
                  {statusLabel('payment', w.status)}
                </Link>
              </th>
              <td className="num">{count.format(w.under_5m)}</td>
              <td className="num">{count.format(w.from_5m_to_1h)}</td>
              <td className={`num${w.over_1h ? ' dashboard__late' : ''}`}>
                {count.format(w.over_1h)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function LastReconciliation({ run }: { run: Dashboard['reconciliation'] }) {
  return (
    <section className="panel" aria-labelledby="dashboard-reconciliation">
      <div className="panel__head">
        <h2 id="dashboard-reconciliation">Last reconciliation</h2>
        <Link to="/console/reconciliation">All runs</Link>
      </div>
      {run === null ? (
        <p className="muted">No reconciliation has run yet.</p>
      ) : (
        <dl className="facts">
          <div>
            <dt>Started</dt>
            <dd>
              <time dateTime={run.started_at}>{formatDateTime(run.started_at)}</time>
            </dd>
          </div>
          <div>
            <dt>Differences found</dt>
            <dd>{count.format(run.discrepancies)}</dd>
          </div>
          <div>
            <dt>Drift not fixed</dt>
            <dd className={run.unfixed ? 'dashboard__late' : undefined}>
              {count.format(run.unfixed)}
            </dd>
          </div>
          <div>
            <dt>Result</dt>
            <dd>{run.error ? 'Some objects not checked' : run.finished_at ? 'Done' : 'Running'}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
