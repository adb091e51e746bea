// The Alerts page: what fires now (acknowledge, silence), every rule's state, and the history of
// transitions with where each notification went.
import { useQuery } from '@tanstack/react-query';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { SkeletonText } from '../../../components/skeleton';
import { formatDateTime } from '../../../lib/dates';
import type { AlertEvent, AlertRuleState } from '../../../types/admin';
import {
  alertEventsQuery,
  alertRulesQuery,
  useAcknowledgeAlert,
  useEvaluateAlerts,
  useSilenceAlert,
} from '../api/alerts';
import { Empty, TableScroll } from './console-ui';

const stateTone = { firing: 'error', pending: 'warning', ok: 'success' } as const;
const HOUR = 3_600_000;

export function AlertsPage() {
  const rules = useQuery(alertRulesQuery);
  const events = useQuery(alertEventsQuery);
  const evaluate = useEvaluateAlerts();
  const all = rules.data?.data ?? [];
  const firing = all.filter((r) => r.state === 'firing');
  return (
    <div>
      <title>Alerts · Console · Paydeck</title>
      <div className="page-head">
        <h1>Alerts</h1>
        <Button variant="secondary" pending={evaluate.isPending} onClick={() => evaluate.mutate()}>
          Evaluate now
        </Button>
      </div>
      <p className="lead">
        The rules are checked every minute. People are told when one fires and when it resolves
        {rules.data?.channels.length ? ` (by ${rules.data.channels.join(' and ')})` : ''}; while it
        keeps firing, again only as a reminder until someone acknowledges it.
      </p>
      {evaluate.data ? (
        <Alert tone="success" live title="Rules evaluated">
          <p>
            {evaluate.data.transitions.length === 0
              ? 'Nothing changed.'
              : evaluate.data.transitions.map((t) => `${t.rule_id}: ${t.kind}`).join(', ')}
            {evaluate.data.sent ? ` ${evaluate.data.sent} notifications sent.` : ''}
          </p>
        </Alert>
      ) : null}
      {evaluate.error ? <ErrorAlert error={evaluate.error} title="Could not evaluate" /> : null}
      {rules.error ? (
        <ErrorAlert
          error={rules.error}
          title="Alerts could not be loaded"
          onRetry={() => void rules.refetch()}
        />
      ) : null}

      <section className="panel" aria-labelledby="firing-now">
        <h2 id="firing-now">Firing now</h2>
        {rules.isPending ? <SkeletonText lines={2} /> : null}
        {rules.data && firing.length === 0 ? (
          <Empty>
            <p>Nothing is firing.</p>
          </Empty>
        ) : null}
        {firing.map((rule) => (
          <FiringRule key={rule.id} rule={rule} />
        ))}
      </section>

      <section className="panel" aria-labelledby="all-rules">
        <h2 id="all-rules">Rules</h2>
        <TableScroll label="Alert rules">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">State</th>
                <th scope="col">Now</th>
                <th scope="col">Silenced until</th>
              </tr>
            </thead>
            <tbody>
              {all.map((rule) => (
                <tr key={rule.id} data-testid={`alert-rule-${rule.id}`}>
                  <td>
                    {rule.title}
                    <span className="cell-note">
                      <code>{rule.id}</code> · {rule.severity}
                    </span>
                  </td>
                  <td>
                    <span className={`status status--${stateTone[rule.state]}`}>{rule.state}</span>
                  </td>
                  <td>{rule.summary ?? '—'}</td>
                  <td>{rule.silenced_until ? formatDateTime(rule.silenced_until) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>

      <section className="panel" aria-labelledby="alert-history">
        <h2 id="alert-history">History</h2>
        {events.data && events.data.data.length === 0 ? (
          <Empty>
            <p>No alert has fired yet.</p>
          </Empty>
        ) : null}
        {events.data && events.data.data.length > 0 ? (
          <TableScroll label="Alert history">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Rule</th>
                  <th scope="col">What</th>
                  <th scope="col">Told</th>
                </tr>
              </thead>
              <tbody>
                {events.data.data.map((e) => (
                  <tr key={e.id} data-testid="alert-event">
                    <td>
                      <time dateTime={e.created_at}>{formatDateTime(e.created_at)}</time>
                    </td>
                    <td>
                      <code>{e.rule_id}</code>
                    </td>
                    <td>
                      <strong>{e.kind}</strong> · {e.summary}
                    </td>
                    <td>{deliveries(e)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        ) : null}
      </section>
    </div>
  );
}

function deliveries(e: AlertEvent): string {
  if (e.deliveries.length === 0)
    return e.kind === 'firing' || e.kind === 'resolved' ? 'console' : '—';
  return e.deliveries
    .map(
      (d) =>
        `${d.channel === 'webhook' ? 'chat' : d.channel}: ${d.sent_at ? 'sent' : `not yet (${d.attempts} tries)`}`,
    )
    .join(', ');
}

function FiringRule({ rule }: { rule: AlertRuleState }) {
  const acknowledge = useAcknowledgeAlert();
  const silence = useSilenceAlert();
  const headingId = `firing-${rule.id}`;
  return (
    <article className="panel" aria-labelledby={headingId} data-testid="firing-alert">
      <div className="panel__head">
        <h3 id={headingId}>{rule.title}</h3>
        <span className="status status--error">{rule.severity}</span>
      </div>
      <p>
        {rule.summary}. Firing since{' '}
        {rule.since ? <time dateTime={rule.since}>{formatDateTime(rule.since)}</time> : '—'}
        {rule.acknowledged_at ? `; acknowledged ${formatDateTime(rule.acknowledged_at)}` : ''}.
      </p>
      <div className="actions">
        <Button
          variant="secondary"
          pending={acknowledge.isPending}
          disabled={rule.acknowledged_at !== null}
          onClick={() => acknowledge.mutate(rule.id)}
        >
          {rule.acknowledged_at ? 'Acknowledged' : 'Acknowledge'}
        </Button>
        <Button
          variant="secondary"
          pending={silence.isPending}
          onClick={() =>
            silence.mutate({
              rule: rule.id,
              until: rule.silenced_until ? null : new Date(Date.now() + HOUR).toISOString(),
            })
          }
        >
          {rule.silenced_until ? 'Lift silence' : 'Silence for 1 hour'}
        </Button>
      </div>
      {acknowledge.error ? (
        <ErrorAlert error={acknowledge.error} title="Could not acknowledge" />
      ) : null}
      {silence.error ? <ErrorAlert error={silence.error} title="Could not silence" /> : null}
    </article>
  );
}
