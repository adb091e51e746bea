import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { PageSkeleton } from '../../../components/skeleton';
import { formatDateTime } from '../../../lib/dates';
import { useReplayEvent, webhookEventQuery } from '../api/webhooks';
import { EventStatus, Id } from './console-ui';

export function WebhookEventPage() {
  const { eventId = '' } = useParams();
  const event = useQuery(webhookEventQuery(eventId));
  const replay = useReplayEvent();
  const data = event.data;
  return (
    <div>
      <title>{data ? `${data.type} · Webhooks · Paydeck` : 'Webhook event · Paydeck'}</title>
      <p className="breadcrumb">
        <Link to="/console/webhooks">← All events</Link>
      </p>
      {event.isPending ? <PageSkeleton label="Loading the event…" /> : null}
      {event.error ? (
        <>
          <h1>Webhook event</h1>
          <ErrorAlert
            error={event.error}
            title="This event could not be loaded"
            onRetry={() => void event.refetch()}
          />
        </>
      ) : null}
      {data ? (
        <>
          <div className="page-head">
            <h1>{data.type}</h1>
            <Button
              variant="secondary"
              pending={replay.isPending}
              onClick={() => replay.mutate(data.id)}
            >
              Replay event
            </Button>
          </div>
          {replay.isSuccess ? (
            <Alert tone="success" live title="Event replayed">
              <p>It was processed again; its status below is the outcome.</p>
            </Alert>
          ) : null}
          {replay.error ? (
            <ErrorAlert error={replay.error} title="The event could not be replayed" />
          ) : null}
          <section className="panel" aria-labelledby="event-heading">
            <h2 id="event-heading">Event</h2>
            <dl className="facts facts--grid">
              <div>
                <dt>Status</dt>
                <dd>
                  <EventStatus status={data.status} />
                </dd>
              </div>
              <div>
                <dt>Event id</dt>
                <dd>
                  <Id>{data.id}</Id>
                </dd>
              </div>
              <div>
                <dt>Object</dt>
                <dd>
                  <Id>{data.object_id}</Id>
                </dd>
              </div>
              <div>
                <dt>Attempts</dt>
                <dd>{data.attempts}</dd>
              </div>
              <div>
                <dt>Created by Stripe</dt>
                <dd>
                  <time dateTime={data.created}>{formatDateTime(data.created)}</time>
                </dd>
              </div>
              <div>
                <dt>Received</dt>
                <dd>
                  <time dateTime={data.received_at}>{formatDateTime(data.received_at)}</time>
                </dd>
              </div>
              <div>
                <dt>Processed</dt>
                <dd>
                  {data.processed_at ? (
                    <time dateTime={data.processed_at}>{formatDateTime(data.processed_at)}</time>
                  ) : (
                    '—'
                  )}
                </dd>
              </div>
              <div>
                <dt>Mode</dt>
                <dd>
                  {data.livemode ? 'Live' : 'Test'}
                  {data.api_version ? ` · API ${data.api_version}` : ''}
                </dd>
              </div>
            </dl>
            {data.last_error ? (
              <Alert tone="error" title="Last processing error" live={false}>
                <p>{data.last_error}</p>
              </Alert>
            ) : null}
          </section>
          <section className="panel" aria-labelledby="payload-heading">
            <h2 id="payload-heading">Payload</h2>
            {data.payload === null ? (
              // Retention (ADR 024): settled events lose their payload after
              // RETENTION_WEBHOOK_PAYLOADS; the event itself stays.
              <p>Deleted under the retention policy; this event can no longer be replayed.</p>
            ) : (
              // Focusable so the keyboard can scroll a long payload.
              <pre className="json" tabIndex={0}>
                {JSON.stringify(data.payload, null, 2)}
              </pre>
            )}
          </section>
        </>
      ) : null}
    </div>
  );
}
