import type { FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { TextField } from '../../../components/form-field';
import { useFormErrors } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { safeNextPath, withNext } from '../../../lib/redirect';
import { useUser } from '../../../lib/session';
import { useLogin } from '../api/auth';
import { AuthCard } from './auth-card';

const FIELDS = ['email', 'password'] as const;
type Field = (typeof FIELDS)[number];

export function LoginPage() {
  const user = useUser();
  const [params] = useSearchParams();
  const next = safeNextPath(params.get('next'));
  // Set by the sign-in guard; the checkout, outside the router, says it in the address instead.
  const ended: unknown = useLocation().state ?? (params.has('signed_out') ? 'signed-out' : null);

  if (user) return <Navigate to={next} replace />;
  return (
    <AuthCard
      title="Sign in"
      footer={
        <p>
          New to Paydeck? <Link to={withNext('/signup', next)}>Create an account</Link>
        </p>
      }
    >
      {ended === 'signed-out' ? (
        <Alert tone="success" live>
          You have signed out.
        </Alert>
      ) : null}
      {ended === 'account-deleted' ? (
        <Alert tone="success" live title="Your account was deleted">
          <p>
            Your personal data and saved cards are gone, and you have been signed out everywhere.
          </p>
        </Alert>
      ) : null}
      <LoginForm next={next} />
    </AuthCard>
  );
}

function LoginForm({ next }: { next: string }) {
  const login = useLogin();
  const navigate = useNavigate();
  const { errors, passes, showServerError, onChange } = useFormErrors(FIELDS);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const input = {
      email: String(data.get('email') ?? '').trim(),
      password: String(data.get('password') ?? ''),
    };
    const fields: FormErrors<Field>['fields'] = {};
    if (!input.email) fields.email = 'Enter your email address.';
    if (!input.password) fields.password = 'Enter your password.';
    const clientErrors = { fields, form: null };
    if (!passes(form, clientErrors)) return;
    login.mutate(input, {
      onSuccess: () => void navigate(next, { replace: true }),
      onError: (error) => showServerError(form, error),
    });
  }

  return (
    <form className="form" noValidate onSubmit={handleSubmit} onChange={onChange}>
      {errors.form ? <ErrorAlert error={errors.form} title="Could not sign you in" /> : null}
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
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        error={errors.fields.password}
      />
      <Button type="submit" pending={login.isPending} className="button--block">
        Sign in
      </Button>
    </form>
  );
}
