import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { TextField } from '../../../components/form-field';
import { useFormErrors } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { useRequestPasswordReset } from '../api/auth';
import { AuthCard } from './auth-card';

const FIELDS = ['email'] as const;
type Field = (typeof FIELDS)[number];

/** "Forgot password?": asks for the address and says the same whatever the answer. */
export function ForgotPasswordPage() {
  const request = useRequestPasswordReset();
  const { errors, passes, showServerError, onChange } = useFormErrors(FIELDS);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const email = String(new FormData(form).get('email') ?? '').trim();
    const fields: FormErrors<Field>['fields'] = {};
    if (!email) fields.email = 'Enter your email address.';
    else if (!/^[^\s@]+@[^\s@]+$/.test(email))
      fields.email = 'Enter an email address like name@example.com.';
    if (!passes(form, { fields, form: null })) return;
    request.mutate({ email }, { onError: (error) => showServerError(form, error) });
  }

  return (
    <AuthCard
      title="Reset your password"
      intro="Enter the address you signed up with. We email it a link to choose a new password."
      footer={
        <p>
          Remembered it? <Link to="/login">Sign in</Link>
        </p>
      }
    >
      {request.isSuccess ? (
        <Alert tone="success" live title="Check your email">
          <p>{request.data.message}</p>
        </Alert>
      ) : (
        <form className="form" noValidate onSubmit={handleSubmit} onChange={onChange}>
          {errors.form ? <ErrorAlert error={errors.form} title="Could not send the link" /> : null}
          <TextField
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            inputMode="email"
            spellCheck={false}
            required
            error={errors.fields.email}
          />
          <Button type="submit" pending={request.isPending} className="button--block">
            Email me a link
          </Button>
        </form>
      )}
    </AuthCard>
  );
}
