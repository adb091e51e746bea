import { useState } from 'react';
import type { FormEvent } from 'react';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { TextField } from '../../../components/form-field';
import { ApiError } from '../../../lib/api-client';
import { useChangePassword } from '../api/account';

const MIN_LENGTH = 12;

/** The current password is asked for again; other devices are signed out when it changes. */
export function ChangePasswordPanel() {
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [localError, setLocalError] = useState<string>();
  const serverError = change.error ? ApiError.from(change.error) : null;
  const fieldError = (field: string) =>
    serverError?.field === field ? serverError.message : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (change.isPending) return;
    if (next.length < MIN_LENGTH) {
      setLocalError(`Use at least ${MIN_LENGTH} characters.`);
      return;
    }
    setLocalError(undefined);
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          setCurrent('');
          setNext('');
        },
      },
    );
  }

  return (
    <section className="panel" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      {change.data ? (
        <Alert tone="success" live title="Password changed">
          <p>
            {change.data.other_sessions_ended === 0
              ? 'No other device was signed in.'
              : `${change.data.other_sessions_ended} other ${change.data.other_sessions_ended === 1 ? 'device was' : 'devices were'} signed out.`}
          </p>
        </Alert>
      ) : null}
      {serverError && !serverError.field ? (
        <ErrorAlert error={change.error} title="Password not changed" />
      ) : null}
      <form noValidate onSubmit={submit} className="stack">
        <TextField
          label="Current password"
          name="current_password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          error={fieldError('current_password')}
          onChange={(event) => setCurrent(event.currentTarget.value)}
        />
        <TextField
          label="New password"
          name="new_password"
          type="password"
          autoComplete="new-password"
          required
          hint={`At least ${MIN_LENGTH} characters. Other devices will be signed out.`}
          value={next}
          error={localError ?? fieldError('new_password')}
          onChange={(event) => setNext(event.currentTarget.value)}
        />
        <Button type="submit" variant="secondary" pending={change.isPending}>
          Change password
        </Button>
      </form>
    </section>
  );
}
