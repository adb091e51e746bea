import { useQuery } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { TextField } from '../../../components/form-field';
import { SelectField } from '../../../components/select-field';
import { formatDateTime } from '../../../lib/dates';
import { WEBHOOK_EVENT_STATUSES } from '../../../types/admin';
import { webhookEventsQuery } from '../api/webhooks';
import { Empty, EventStatus, Id, Pager, SkeletonRows, TableScroll } from './console-ui';

const PAGE_SIZE = 25;
const STATUS_OPTIONS = [
  { value: '', label: 'Any status' },
  ...WEBHOOK_EVENT_STATUSES.map((status) => ({
    value: status,
    label: status.charAt(0).toUpperCase() + status.slice(1),
  })),
];

export function WebhooksPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const type = params.get('type') ?? '';
  const after = params.get('after') ?? '';
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (status) query.set('status', status);
  if (type) query.set('type', type);
  if (after) query.set('starting_after', after);
  const events = useQuery(webhookEventsQuery(query));
  const list = events.data?.data ?? [];
  const last = list.at(-1);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of ['status', 'type']) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  }

  const pageLink = (cursor: string | null) => {
    const next = new URLSearchParams(params);
    if (cursor) next.set('after', cursor);
    else next.delete('after');
    return `?${next.toString()}`;
  };

  return (
    <div>
      <title>Webhooks · Console · Paydeck</title>
      <h1>Webhooks</h1>
      <p className="lead">
        Every event Stripe sent, as stored before processing. Replay one to process it again.
      </p>
      <form
        key={`${status}|${type}`}
        className="filters filters--inline"
        role="search"
        aria-label="Webhook events"
        onSubmit={onSubmit}
      >
        <SelectField label="Status" name="status" defaultValue={status} options={STATUS_OPTIONS} />
        <TextField
          label="Event type"
          name="type"
          type="search"
          defaultValue={type}
          placeholder="payment_intent.succeeded"
          maxLength={100}
        />
        <div className="form__actions">
          <Button type="submit">Apply filters</Button>
        </div>
      </form>

      {events.error ? (
        <ErrorAlert
          error={events.error}
          title="Events could not be loaded"
          onRetry={() => void events.refetch()}
        />
      ) : null}
      {events.data && list.length === 0 ? (
        <Empty>
          <p>{status || type || after ? 'No events match.' : 'No events received yet.'}</p>
        </Empty>
      ) : null}
      {events.isPending || list.length > 0 ? (
        <TableScroll label="Webhook events">
          <table className="data-table" aria-busy={events.isFetching || undefined}>
            <caption className="visually-hidden">Webhook events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Type</th>
                <th scope="col">Event id</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Attempts
                </th>
              </tr>
            </thead>
            <tbody>
              {events.isPending ? <SkeletonRows columns={5} /> : null}
              {list.map((event) => (
                <tr key={event.id} data-testid="webhook-row">
                  <td>
                    <time dateTime={event.received_at}>{formatDateTime(event.received_at)}</time>
                  </td>
                  <td className="wrap">
                    <Link to={`/console/webhooks/${encodeURIComponent(event.id)}`}>
                      {event.type}
                    </Link>
                  </td>
                  <td>
                    <Id>{event.id}</Id>
                  </td>
                  <td>
                    <EventStatus status={event.status} />
                    {event.last_error ? (
                      <span className="cell-note">{event.last_error}</span>
                    ) : null}
                  </td>
                  <td className="num">{event.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      <Pager
        label="Event pages"
        previous={after ? { to: pageLink(null), label: 'Newest events' } : null}
        next={
          events.data?.has_more && last ? { to: pageLink(last.id), label: 'Older events' } : null
        }
      />
    </div>
  );
}
