import type { FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { CheckboxField, TextField } from '../../../components/form-field';
import { useFormErrors } from '../../../lib/form-errors';
import type { FormErrors } from '../../../lib/form-errors';
import { safeNextPath, withNext } from '../../../lib/redirect';
import { useUser } from '../../../lib/session';
import { useSignup } from '../api/auth';
import type { SignupInput } from '../api/auth';
import { AuthCard } from './auth-card';

/** Server rule, repeated here so the user learns it before submitting. */
export const PASSWORD_MIN_LENGTH = 12;

const FIELDS = ['name', 'email', 'password', 'accept_terms'] as const;
type Field = (typeof FIELDS)[number];

export function SignupPage() {
  const user = useUser();
  const [params] = useSearchParams();
  const next = safeNextPath(params.get('next'));

  if (user) return <Navigate to={next} replace />;
  return (
    <AuthCard
      title="Create your account"
      footer={
        <p>
          Already have an account? <Link to={withNext('/login', next)}>Sign in</Link>
        </p>
      }
    >
      <SignupForm next={next} />
    </AuthCard>
  );
}

function validate(input: SignupInput): FormErrors<Field> {
  const fields: FormErrors<Field>['fields'] = {};
  if (!input.name) fields.name = 'Enter your name.';
  if (!input.email) fields.email = 'Enter your email address.';
  else if (!/^[^\s@]+@[^\s@]+$/.test(input.email))
    fields.email = 'Enter an email address like name@example.com.';
  if (input.password.length < PASSWORD_MIN_LENGTH) {
    fields.password = `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  }
  if (!input.accept_terms)
    fields.accept_terms = 'Accept the Terms of Service and the Privacy Policy to continue.';
  return { fields, form: null };
}

function SignupForm({ next }: { next: string }) {
  const signup = useSignup();
  const navigate = useNavigate();
  const { errors, passes, showServerError, onChange } = useFormErrors(FIELDS);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const input: SignupInput = {
      name: String(data.get('name') ?? '').trim(),
      email: String(data.get('email') ?? '').trim(),
      password: String(data.get('password') ?? ''),
      accept_terms: data.get('accept_terms') === 'on',
    };
    const clientErrors = validate(input);
    if (!passes(form, clientErrors)) return;
    signup.mutate(input, {
      onSuccess: () => void navigate(next, { replace: true }),
      onError: (error) => showServerError(form, error),
    });
  }

  return (
    <form className="form" noValidate onSubmit={handleSubmit} onChange={onChange}>
      {errors.form ? (
        <ErrorAlert error={errors.form} title="Could not create your account" />
      ) : null}
      <TextField label="Name" name="name" autoComplete="name" required error={errors.fields.name} />
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
        autoComplete="new-password"
        minLength={PASSWORD_MIN_LENGTH}
        required
        hint={`At least ${PASSWORD_MIN_LENGTH} characters. A short sentence is easy to remember.`}
        error={errors.fields.password}
      />
      <CheckboxField
        name="accept_terms"
        required
        error={errors.fields.accept_terms}
        hint="The documents open in a new tab."
        label={
          <>
            I accept the{' '}
            <Link to="/legal/terms" target="_blank">
              Terms of Service
            </Link>{' '}
            and the{' '}
            <Link to="/legal/privacy" target="_blank">
              Privacy Policy
            </Link>
          </>
        }
      />
      <Button type="submit" pending={signup.isPending} className="button--block">
        Create account
      </Button>
    </form>
  );
}
