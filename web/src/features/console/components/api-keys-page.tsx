import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { CheckboxField, TextField } from '../../../components/form-field';
import { toFormErrors } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { formatDateTime } from '../../../lib/dates';
import { API_KEY_SCOPES } from '../../../types/admin';
import type { ApiKey, ApiKeyScope, CreatedApiKey } from '../../../types/admin';
import { apiKeysQuery, useCreateApiKey, useRevokeApiKey } from '../api/api-keys';
import { Empty, SkeletonRows, TableScroll } from './console-ui';

export function ApiKeysPage() {
  const keys = useQuery(apiKeysQuery);
  // The secret lives in this component's state only: gone on "I have stored it" or on leaving.
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const revoke = useRevokeApiKey();
  const list = keys.data?.data ?? [];

  return (
    <div>
      <title>API keys · Console · Paydeck</title>
      <h1>API keys</h1>
      <p className="lead">
        Secret keys let your backend call the merchant API. Give each key only the scopes it needs.
      </p>

      {created ? <NewSecret apiKey={created} onDismiss={() => setCreated(null)} /> : null}
      {notice ? (
        <Alert tone="success" live>
          {notice}
        </Alert>
      ) : null}

      {keys.error ? (
        <ErrorAlert
          error={keys.error}
          title="API keys could not be loaded"
          onRetry={() => void keys.refetch()}
        />
      ) : null}
      {keys.data && list.length === 0 ? (
        <Empty>
          <p>No API keys yet. Create one below.</p>
        </Empty>
      ) : null}
      {keys.isPending || list.length > 0 ? (
        <TableScroll label="API keys">
          <table className="data-table">
            <caption className="visually-hidden">API keys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Status and actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.isPending ? <SkeletonRows columns={6} /> : null}
              {list.map((key) => (
                <tr key={key.id} data-testid="api-key-row">
                  <td className="wrap">{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.scopes.join(', ')}</td>
                  <td>
                    <time dateTime={key.created_at}>{formatDateTime(key.created_at)}</time>
                  </td>
                  <td>
                    {key.last_used_at ? (
                      formatDateTime(key.last_used_at)
                    ) : (
                      <span className="muted">Never</span>
                    )}
                  </td>
                  <td>
                    {key.revoked_at ? (
                      <span className="status status--neutral">Revoked</span>
                    ) : (
                      <Button
                        variant="quiet"
                        onClick={() => {
                          revoke.reset();
                          setNotice(null);
                          setRevoking(key);
                        }}
                      >
                        Revoke<span className="visually-hidden"> {key.name}</span>
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}

      <CreateKeyForm
        onCreated={(key) => {
          setNotice(null);
          setCreated(key);
        }}
      />

      {revoking ? (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke key"
          cancelLabel="Keep key"
          tone="danger"
          pending={revoke.isPending}
          error={revoke.error}
          errorTitle="The key could not be revoked"
          onCancel={() => setRevoking(null)}
          onConfirm={() =>
            revoke.mutate(revoking.id, {
              onSuccess: (key) => {
                setRevoking(null);
                setNotice(`“${key.name}” was revoked.`);
              },
            })
          }
        >
          <p>
            Requests with <code>{revoking.prefix}…</code> stop working at once. This cannot be
            undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function NewSecret({ apiKey, onDismiss }: { apiKey: CreatedApiKey; onDismiss: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => heading.current?.focus(), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(apiKey.secret);
      setCopied('yes');
    } catch {
      // No clipboard permission (or plain http): select it so Ctrl+C works.
      input.current?.select();
      setCopied('failed');
    }
  }

  return (
    <section className="panel" aria-labelledby="new-secret-heading">
      <h2 id="new-secret-heading" ref={heading} tabIndex={-1}>
        New secret key
      </h2>
      <Alert tone="info" title="Store this secret now">
        <p>
          This is the only time the secret of “{apiKey.name}” is shown. It will not be shown again:
          Paydeck keeps only a hash of it. If you lose it, revoke the key and create another.
        </p>
      </Alert>
      <div className="secret">
        <TextField
          ref={input}
          label="Secret key"
          name="secret"
          value={apiKey.secret}
          readOnly
          autoComplete="off"
          spellCheck={false}
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button variant="secondary" onClick={() => void copy()}>
          Copy
        </Button>
      </div>
      <p role="status" className="muted">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'Copy did not work here: the secret is selected, press Ctrl+C.'
            : ''}
      </p>
      <Button onClick={onDismiss}>I have stored it</Button>
    </section>
  );
}

const FIELDS = ['name', 'scopes'] as const;

function CreateKeyForm({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const create = useCreateApiKey();
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>({
    fields: {},
    form: null,
  });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const name = String(form.get('name') ?? '').trim();
    const scopes = form.getAll('scopes').map(String) as ApiKeyScope[];
    const fields: FormErrors<(typeof FIELDS)[number]>['fields'] = {};
    if (!name) fields.name = 'Name the key after what uses it, e.g. “Order service”.';
    if (scopes.length === 0) fields.scopes = 'Choose at least one scope.';
    setErrors({ fields, form: null });
    if (fields.name || fields.scopes) {
      const target = fields.name
        ? formElement.elements.namedItem('name')
        : formElement.querySelector('input[name="scopes"]');
      if (target instanceof HTMLElement) target.focus();
      return;
    }
    create.mutate(
      { name, scopes },
      {
        onSuccess: (key) => {
          formElement.reset();
          onCreated(key);
        },
        onError: (error) => setErrors(toFormErrors(error, FIELDS)),
      },
    );
  }

  return (
    <section className="panel" aria-labelledby="create-key-heading">
      <h2 id="create-key-heading">Create a key</h2>
      {errors.form ? <ErrorAlert error={errors.form} title="The key could not be created" /> : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <div className="form--narrow">
          <TextField label="Name" name="name" maxLength={100} required error={errors.fields.name} />
        </div>
        <fieldset
          className="scopes"
          aria-describedby={errors.fields.scopes ? 'scopes-error' : undefined}
        >
          <legend>Scopes</legend>
          {API_KEY_SCOPES.map((scope) => (
            <CheckboxField key={scope} name="scopes" value={scope} label={scope} />
          ))}
        </fieldset>
        {errors.fields.scopes ? (
          <p className="field__error" id="scopes-error">
            {errors.fields.scopes}
          </p>
        ) : null}
        <div className="form__actions">
          <Button type="submit" pending={create.isPending}>
            Create key
          </Button>
        </div>
      </form>
    </section>
  );
}
