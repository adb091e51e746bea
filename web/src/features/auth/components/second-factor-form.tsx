import { useState } from 'react';
import type { FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { TextField } from '../../../components/form-field';
import { useFormErrors } from '../../../lib/form-errors';
import { useReplaceSession } from '../../../lib/session';
import { useCompleteSignIn } from '../api/auth';

const FIELDS = ['code', 'recovery_code'] as const;

/**
 * The sign-in's second step (ADR 023): the 6 digits of the authenticator app, or one of the
 * recovery codes issued at enrolment. The password was accepted; nothing opens until this.
 */
export function SecondFactorForm({ next }: { next: string }) {
  const complete = useCompleteSignIn();
  const navigate = useNavigate();
  const replaceSession = useReplaceSession();
  const [useRecovery, setUseRecovery] = useState(false);
  const { errors, passes, showServerError, onChange } = useFormErrors(FIELDS);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const field = useRecovery ? 'recovery_code' : 'code';
    const value = String(data.get(field) ?? '').trim();
    const message = useRecovery
      ? 'Enter one of your recovery codes.'
      : 'Enter the 6-digit code from your authenticator app.';
    if (!passes(form, { fields: value ? {} : { [field]: message }, form: null })) return;
    complete.mutate(useRecovery ? { recovery_code: value } : { code: value.replace(/\s/g, '') }, {
      onSuccess: () => void navigate(next, { replace: true }),
      onError: (error) => showServerError(form, error),
    });
  }

  return (
    <form className="form" noValidate onSubmit={handleSubmit} onChange={onChange}>
      <p>
        {useRecovery
          ? 'Enter one of the recovery codes you saved when you set up two-step verification. Each code works once.'
          : 'Open your authenticator app and enter the code it shows for Paydeck.'}
      </p>
      {errors.form ? <ErrorAlert error={errors.form} title="Could not sign you in" /> : null}
      {useRecovery ? (
        <TextField
          key="recovery_code"
          label="Recovery code"
          name="recovery_code"
          autoComplete="off"
          spellCheck={false}
          required
          error={errors.fields.recovery_code}
        />
      ) : (
        <TextField
          key="code"
          label="Authentication code"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9 ]*"
          maxLength={8}
          required
          error={errors.fields.code}
        />
      )}
      <Button type="submit" pending={complete.isPending} className="button--block">
        Verify
      </Button>
      <Button variant="quiet" onClick={() => setUseRecovery((v) => !v)}>
        {useRecovery ? 'Use the authenticator app instead' : 'Use a recovery code instead'}
      </Button>
      <Button
        variant="quiet"
        onClick={() =>
          replaceSession({
            user: null,
            csrf_token: null,
            second_factor_pending: false,
            operator_mfa: null,
          })
        }
      >
        Start over with your password
      </Button>
    </form>
  );
}
