import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { CheckboxField, TextField } from '../../../components/form-field';
import { formatDateTime } from '../../../lib/dates';
import { useFormErrors } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { MERCHANT_EVENT_TYPES } from '../../../types/admin';
import type {
  MerchantEventType,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from '../../../types/admin';
import {
  deliveriesQuery,
  endpointsQuery,
  useCreateEndpoint,
  useDeleteEndpoint,
  useResend,
  useRotateSecret,
  useUpdateEndpoint,
} from '../api/merchant-webhooks';
import { Empty, SkeletonRows, TableScroll } from './console-ui';

/** The merchant's webhook endpoints (Standard Webhooks): register, disable, rotate, read the log. */
export function MerchantWebhooksPage() {
  const endpoints = useQuery(endpointsQuery);
  // The secret lives in this component's state only: gone on "I have stored it" or on leaving.
  const [secret, setSecret] = useState<WebhookEndpointWithSecret | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const update = useUpdateEndpoint();
  const rotate = useRotateSecret();
  const remove = useDeleteEndpoint();
  const list = endpoints.data?.data ?? [];

  return (
    <div>
      <title>Merchant webhooks · Console · Paydeck</title>
      <h1>Merchant webhooks</h1>
      <p className="lead">
        Endpoints of your backend that Paydeck tells about orders, refunds, disputes and customers,
        signed as Standard Webhooks.
      </p>

      {secret ? <NewSecret endpoint={secret} onDismiss={() => setSecret(null)} /> : null}
      {notice ? (
        <Alert tone="success" live>
          {notice}
        </Alert>
      ) : null}
      {endpoints.error ? (
        <ErrorAlert
          error={endpoints.error}
          title="Endpoints could not be loaded"
          onRetry={() => void endpoints.refetch()}
        />
      ) : null}
      {update.error || rotate.error ? (
        <ErrorAlert error={update.error ?? rotate.error} title="The endpoint was not changed" />
      ) : null}
      {endpoints.data && list.length === 0 ? (
        <Empty>
          <p>No endpoints yet. Register one below.</p>
        </Empty>
      ) : null}
      {endpoints.isPending || list.length > 0 ? (
        <TableScroll label="Webhook endpoints">
          <table className="data-table">
            <caption className="visually-hidden">Webhook endpoints, newest first</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {endpoints.isPending ? <SkeletonRows columns={4} /> : null}
              {list.map((endpoint) => (
                <tr key={endpoint.id} data-testid="endpoint-row">
                  <td className="wrap">
                    <code>{endpoint.url}</code>
                    {endpoint.description ? (
                      <div className="muted">{endpoint.description}</div>
                    ) : null}
                  </td>
                  <td className="wrap">{endpoint.events.join(', ')}</td>
                  <td>
                    <span
                      className={`status status--${endpoint.status === 'enabled' ? 'success' : 'neutral'}`}
                    >
                      {endpoint.status === 'enabled'
                        ? 'Enabled'
                        : endpoint.disabled_reason === 'failing'
                          ? 'Disabled: kept failing'
                          : 'Disabled'}
                    </span>
                  </td>
                  <td>
                    <Button variant="quiet" onClick={() => setSelected(endpoint.id)}>
                      Deliveries<span className="visually-hidden"> of {endpoint.url}</span>
                    </Button>
                    <Button
                      variant="quiet"
                      onClick={() =>
                        update.mutate(
                          {
                            id: endpoint.id,
                            status: endpoint.status === 'enabled' ? 'disabled' : 'enabled',
                          },
                          {
                            onSuccess: (e) =>
                              setNotice(
                                `${e.url} is ${e.status === 'enabled' ? 'enabled' : 'disabled'}.`,
                              ),
                          },
                        )
                      }
                    >
                      {endpoint.status === 'enabled' ? 'Disable' : 'Enable'}
                    </Button>
                    <Button
                      variant="quiet"
                      onClick={() => rotate.mutate(endpoint.id, { onSuccess: (e) => setSecret(e) })}
                    >
                      Rotate secret
                    </Button>
                    <Button
                      variant="quiet"
                      onClick={() => {
                        remove.reset();
                        setDeleting(endpoint);
                      }}
                    >
                      Delete
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}

      {selected ? <DeliveryLog endpointId={selected} /> : null}

      <CreateEndpointForm
        onCreated={(endpoint) => {
          setNotice(null);
          setSecret(endpoint);
        }}
      />

      {deleting ? (
        <ConfirmDialog
          title={`Delete the endpoint ${deleting.url}?`}
          confirmLabel="Delete endpoint"
          cancelLabel="Keep it"
          tone="danger"
          pending={remove.isPending}
          error={remove.error}
          errorTitle="The endpoint could not be deleted"
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            // Its delivery log closes first: a refresh of it must not reach the server after the
            // endpoint is gone (a 404).
            if (selected === deleting.id) setSelected(null);
            remove.mutate(deleting.id, {
              onSuccess: () => {
                setNotice(`${deleting.url} was deleted.`);
                setDeleting(null);
              },
            });
          }}
        >
          <p>Nothing more is sent to it, and its delivery log is deleted.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function DeliveryLog({ endpointId }: { endpointId: string }) {
  const deliveries = useQuery(deliveriesQuery(endpointId));
  const resend = useResend();
  const list = deliveries.data?.data ?? [];
  return (
    <section className="panel" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Delivery log</h2>
      {deliveries.error ? (
        <ErrorAlert error={deliveries.error} title="The delivery log could not be loaded" />
      ) : null}
      {resend.error ? <ErrorAlert error={resend.error} title="The event was not resent" /> : null}
      {deliveries.data && list.length === 0 ? (
        <Empty>
          <p>Nothing sent to this endpoint yet.</p>
        </Empty>
      ) : null}
      {list.length > 0 ? (
        <TableScroll label="Deliveries">
          <table className="data-table">
            <caption className="visually-hidden">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => {
                const last = d.attempts.at(-1);
                return (
                  <tr key={d.id} data-testid="delivery-row">
                    <td>
                      {d.event_type}
                      <div className="muted">
                        <time dateTime={d.created_at}>{formatDateTime(d.created_at)}</time>
                      </div>
                    </td>
                    <td>{d.status}</td>
                    <td>{d.attempt_count}</td>
                    <td className="wrap">
                      {last
                        ? `${last.response_status ?? last.error ?? ''} · ${last.duration_ms} ms`
                        : '—'}
                      {last?.response_body ? (
                        <div className="muted">
                          <code>{last.response_body.slice(0, 200)}</code>
                        </div>
                      ) : null}
                    </td>
                    <td>
                      <Button
                        variant="quiet"
                        pending={resend.isPending}
                        onClick={() => resend.mutate({ endpointId, eventId: d.event_id })}
                      >
                        Resend<span className="visually-hidden"> {d.event_type}</span>
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
    </section>
  );
}

function NewSecret({
  endpoint,
  onDismiss,
}: {
  endpoint: WebhookEndpointWithSecret;
  onDismiss: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="panel" aria-labelledby="new-webhook-secret-heading">
      <h2 id="new-webhook-secret-heading" ref={heading} tabIndex={-1}>
        Signing secret
      </h2>
      <Alert tone="info" title="Store this secret now">
        <p>
          Verify every request to {endpoint.url} with it (the standardwebhooks library). It is not
          shown again.
          {endpoint.previous_secret_expires_at
            ? ` The previous secret keeps signing until ${formatDateTime(endpoint.previous_secret_expires_at)}.`
            : ''}
        </p>
      </Alert>
      <div className="secret">
        <TextField
          label="Signing secret"
          name="webhook-secret"
          value={endpoint.secret}
          readOnly
          autoComplete="off"
          spellCheck={false}
          onFocus={(event) => event.currentTarget.select()}
        />
      </div>
      <Button onClick={onDismiss}>I have stored it</Button>
    </section>
  );
}

const FIELDS = ['url', 'events', 'description'] as const;

function CreateEndpointForm({
  onCreated,
}: {
  onCreated: (endpoint: WebhookEndpointWithSecret) => void;
}) {
  const create = useCreateEndpoint();
  const { errors, passes, showServerError, onChange } = useFormErrors(FIELDS);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const url = String(form.get('url') ?? '').trim();
    const description = String(form.get('description') ?? '').trim();
    const events = form.getAll('events').map(String) as MerchantEventType[];
    const fields: FormErrors<(typeof FIELDS)[number]>['fields'] = {};
    if (!url) fields.url = 'Enter the URL of your backend’s webhook route.';
    if (events.length === 0) fields.events = 'Choose at least one event.';
    if (!passes(formElement, { fields, form: null })) return;
    create.mutate(
      { url, events, ...(description ? { description } : {}) },
      {
        onSuccess: (endpoint) => {
          formElement.reset();
          onCreated(endpoint);
        },
        onError: (error) => showServerError(formElement, error),
      },
    );
  }

  return (
    <section className="panel" aria-labelledby="create-endpoint-heading">
      <h2 id="create-endpoint-heading">Register an endpoint</h2>
      {errors.form ? (
        <ErrorAlert error={errors.form} title="The endpoint could not be registered" />
      ) : null}
      <form className="form" onSubmit={onSubmit} onChange={onChange} noValidate>
        <div className="form--narrow">
          <TextField label="URL" name="url" type="url" maxLength={2048} error={errors.fields.url} />
          <TextField
            label="Description (optional)"
            name="description"
            maxLength={500}
            error={errors.fields.description}
          />
        </div>
        <fieldset className="scopes">
          <legend>Events</legend>
          {MERCHANT_EVENT_TYPES.map((type) => (
            <CheckboxField key={type} name="events" value={type} label={type} />
          ))}
        </fieldset>
        {errors.fields.events ? <p className="field__error">{errors.fields.events}</p> : null}
        <div className="form__actions">
          <Button type="submit" pending={create.isPending}>
            Register endpoint
          </Button>
        </div>
      </form>
    </section>
  );
}
