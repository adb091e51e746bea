import type { FormEvent } from 'react';
import { Link, useLocation } from 'react-router';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { TextField } from '../../../components/form-field';
import { useFormErrors } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { useConfirmPasswordReset } from '../api/auth';
import { AuthCard } from './auth-card';
import { PASSWORD_MIN_LENGTH } from './signup-page';

const FIELDS = ['password', 'token'] as const;
type Field = (typeof FIELDS)[number];

/**
 * The emailed link: /reset-password#token=…. The token is in the fragment, which the browser
 * never sends to a server (no access log, no Referer holds it).
 */
export function ResetPasswordPage() {
  const token = new URLSearchParams(useLocation().hash.replace(/^#/, '')).get('token') ?? '';
  const confirm = useConfirmPasswordReset();
  const { errors, passes, showServerError, onChange } = useFormErrors(FIELDS);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const password = String(new FormData(form).get('password') ?? '');
    const fields: FormErrors<Field>['fields'] = {};
    if (password.length < PASSWORD_MIN_LENGTH)
      fields.password = `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
    if (!passes(form, { fields, form: null })) return;
    confirm.mutate({ token, password }, { onError: (error) => showServerError(form, error) });
  }

  if (!token) {
    return (
      <AuthCard title="Choose a new password">
        <Alert tone="error" title="This link is incomplete">
          <p>
            Open the link from the email again, or{' '}
            <Link to="/forgot-password">ask for a new one</Link>.
          </p>
        </Alert>
      </AuthCard>
    );
  }
  if (confirm.isSuccess) {
    return (
      <AuthCard title="Password changed">
        <Alert tone="success" live title="Your new password is set">
          <p>
            Every device that was signed in to your account has been signed out.{' '}
            <Link to="/login">Sign in</Link> with the new password.
          </p>
        </Alert>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title="Choose a new password"
      footer={
        <p>
          Link expired or used? <Link to="/forgot-password">Ask for a new one</Link>
        </p>
      }
    >
      <form className="form" noValidate onSubmit={handleSubmit} onChange={onChange}>
        {errors.form ? (
          <ErrorAlert error={errors.form} title="Could not change the password" />
        ) : null}
        {errors.fields.token ? (
          <Alert tone="error" title="This link no longer works">
            <p>
              {errors.fields.token} <Link to="/forgot-password">Ask for a new link</Link>.
            </p>
          </Alert>
        ) : null}
        <TextField
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={PASSWORD_MIN_LENGTH}
          required
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. A short sentence is easy to remember.`}
          error={errors.fields.password}
        />
        <Button type="submit" pending={confirm.isPending} className="button--block">
          Set the new password
        </Button>
      </form>
    </AuthCard>
  );
}
