import { Link } from 'react-router';
import { formatPreciseDateTime } from '../../../lib/dates';
import type { TimelineEntry } from '../../../types/admin';
import { humanize, Id } from './console-ui';

const ACTORS: Record<string, string> = {
  user: 'Customer',
  admin: 'Operator',
  api_key: 'API key',
  system: 'Paydeck',
  stripe: 'Stripe',
};

/** Every state change, audit entry and Stripe event of a payment, oldest first. */
export function PaymentTimeline({ entries }: { entries: TimelineEntry[] }) {
  // The API sends them in order; sorting again keeps the promise if that ever changes.
  const sorted = [...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return (
    <section className="panel" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      {sorted.length === 0 ? (
        <p className="muted">Nothing recorded yet.</p>
      ) : (
        <ol className="timeline" aria-label="Timeline, oldest first">
          {sorted.map((entry) => (
            <li
              key={
                entry.kind === 'audit' ? `audit-${entry.id}` : `webhook-${entry.stripe_event_id}`
              }
              className={`timeline__entry timeline__entry--${entry.kind}`}
              data-testid="timeline-entry"
            >
              <time className="timeline__time" dateTime={entry.at}>
                {formatPreciseDateTime(entry.at)}
              </time>
              {entry.kind === 'audit' ? <AuditItem entry={entry} /> : <WebhookItem entry={entry} />}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function AuditItem({ entry }: { entry: Extract<TimelineEntry, { kind: 'audit' }> }) {
  return (
    <div className="timeline__body">
      <p className="timeline__title">
        <span className="timeline__kind">Audit</span> <code>{entry.action}</code>
      </p>
      <dl className="timeline__facts">
        <div>
          <dt>Actor</dt>
          <dd>
            {ACTORS[entry.actor_type] ?? humanize(entry.actor_type)}
            {entry.actor_id ? (
              <>
                {' '}
                <Id>{entry.actor_id}</Id>
              </>
            ) : null}
          </dd>
        </div>
        {entry.stripe_request_id ? (
          <div>
            <dt>Stripe request</dt>
            <dd>
              <Id>{entry.stripe_request_id}</Id>
            </dd>
          </div>
        ) : null}
        {entry.stripe_event_id ? (
          <div>
            <dt>Stripe event</dt>
            <dd>
              <Id>{entry.stripe_event_id}</Id>
            </dd>
          </div>
        ) : null}
        {entry.request_id ? (
          <div>
            <dt>Request</dt>
            <dd>
              <Id>{entry.request_id}</Id>
            </dd>
          </div>
        ) : null}
        <StateChange before={entry.before} after={entry.after} />
      </dl>
    </div>
  );
}

/** "paid → partially_refunded" when the entry recorded a status; nothing otherwise. */
function StateChange({ before, after }: { before: unknown; after: unknown }) {
  const from = statusOf(before);
  const to = statusOf(after);
  if (!from && !to) return null;
  return (
    <div>
      <dt>Status</dt>
      <dd>
        {from ? <code>{from}</code> : null}
        {from && to ? ' → ' : null}
        {to ? <code>{to}</code> : null}
      </dd>
    </div>
  );
}

function statusOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || !('status' in value)) return null;
  return typeof value.status === 'string' ? value.status : null;
}

function WebhookItem({ entry }: { entry: Extract<TimelineEntry, { kind: 'webhook' }> }) {
  return (
    <div className="timeline__body">
      <p className="timeline__title">
        <span className="timeline__kind">Webhook</span> <code>{entry.type}</code>
      </p>
      <dl className="timeline__facts">
        <div>
          <dt>Event</dt>
          <dd>
            <Link to={`/console/webhooks/${encodeURIComponent(entry.stripe_event_id)}`}>
              <Id>{entry.stripe_event_id}</Id>
            </Link>
          </dd>
        </div>
        <div>
          <dt>Processing</dt>
          <dd>
            {humanize(entry.status)}
            {entry.attempts > 1 ? ` after ${entry.attempts} attempts` : ''}
          </dd>
        </div>
        {entry.last_error ? (
          <div>
            <dt>Last error</dt>
            <dd>{entry.last_error}</dd>
          </div>
        ) : null}
      </dl>
    </div>
  );
}
