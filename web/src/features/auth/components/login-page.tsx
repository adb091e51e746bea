import type { FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { TextField } from '../../../components/form-field';
import { useFormErrors } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { safeNextPath, withNext } from '../../../lib/redirect';
import { useSession } from '../../../lib/session';
import type { AccountDeletion } from '../../../types/api';
import { useLogin } from '../api/auth';
import { AuthCard } from './auth-card';
import { SecondFactorForm } from './second-factor-form';

const FIELDS = ['email', 'password'] as const;
type Field = (typeof FIELDS)[number];

export function LoginPage() {
  const { user, second_factor_pending: secondFactorPending, deletion } = useSession();
  const [params] = useSearchParams();
  const next = safeNextPath(params.get('next'));
  // Set by the sign-in guard; the checkout, outside the router, says it in the address instead.
  const ended: unknown = useLocation().state ?? (params.has('signed_out') ? 'signed-out' : null);

  if (user) return <Navigate to={next} replace />;
  // The password was right; the account has a second factor (ADR 023).
  if (secondFactorPending) {
    return (
      <AuthCard title="Two-step verification">
        <SecondFactorForm next={next} />
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title="Sign in"
      footer={
        <>
          <p>
            <Link to="/forgot-password">Forgot your password?</Link>
          </p>
          <p>
            New to Paydeck? <Link to={withNext('/signup', next)}>Create an account</Link>
          </p>
        </>
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
          {deletion ? <DeletionSummary deletion={deletion} /> : null}
        </Alert>
      ) : null}
      <LoginForm next={next} />
    </AuthCard>
  );
}

/** What the deletion removed, and what it kept anonymised and why (the server's answer). */
function DeletionSummary({ deletion }: { deletion: AccountDeletion }) {
  const removed = deletion.removed.filter((item) => item.count > 0);
  const kept = deletion.kept_anonymised.filter((item) => item.count > 0);
  return (
    <>
      {deletion.canceled_payments.length > 0 ? (
        <p>
          {deletion.canceled_payments.length === 1
            ? 'A payment waiting for your bank’s check was canceled; nothing was charged.'
            : `${deletion.canceled_payments.length} payments waiting for your bank’s check were canceled; nothing was charged.`}
        </p>
      ) : null}
      <h3>Removed</h3>
      <ul aria-label="Removed">
        {removed.map((item) => (
          <li key={item.data}>{item.description}</li>
        ))}
      </ul>
      {kept.length > 0 ? (
        <>
          <h3>Kept without your name or email</h3>
          <ul aria-label="Kept anonymised">
            {kept.map((item) => (
              <li key={item.data}>
                {item.description} ({item.count}). {item.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
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
      // With a second factor the page turns into its step instead.
      onSuccess: (session) => {
        if (!session.second_factor_pending) void navigate(next, { replace: true });
      },
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
