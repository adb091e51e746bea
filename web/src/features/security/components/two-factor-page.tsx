import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Alert, ErrorAlert } from '../../../components/alert';
import { Button } from '../../../components/button';
import { TextField } from '../../../components/form-field';
import { ApiError } from '../../../lib/api-client';
import { formatDateTime } from '../../../lib/dates';
import { safeNextPath } from '../../../lib/redirect';
import {
  secondFactorQuery,
  useConfirmEnrolment,
  useRegenerateRecoveryCodes,
  useStartEnrolment,
} from '../api/security';
import type { SecondFactorEnrolment } from '../api/security';

/** An operator's two-step verification (ADR 023): set it up, or renew the recovery codes. */
export function TwoFactorPage() {
  const status = useQuery(secondFactorQuery);
  const [params] = useSearchParams();
  const next = safeNextPath(params.get('next') ?? '/console');
  // Shown once, from the answer that issued them; never cached.
  const [codes, setCodes] = useState<string[] | null>(null);

  return (
    <div className="account">
      <title>Two-step verification · Paydeck</title>
      <h1>Two-step verification</h1>
      {status.error ? (
        <ErrorAlert
          error={status.error}
          title="Could not load your two-step verification"
          onRetry={() => void status.refetch()}
        />
      ) : null}
      {codes ? (
        <RecoveryCodes codes={codes} next={next} onDone={() => setCodes(null)} />
      ) : status.data && !status.data.available ? (
        <p className="lead">Two-step verification is for operator accounts.</p>
      ) : status.data && !status.data.enrolled ? (
        <Enrolment required={status.data.policy === 'required'} onConfirmed={setCodes} />
      ) : status.data ? (
        <Enrolled
          since={status.data.enrolled_at}
          left={status.data.recovery_codes_left}
          onRegenerated={setCodes}
        />
      ) : null}
      <p>
        <Link to="/account">Back to your account</Link>
      </p>
    </div>
  );
}

function Enrolment({
  required,
  onConfirmed,
}: {
  required: boolean;
  onConfirmed: (codes: string[]) => void;
}) {
  const start = useStartEnrolment();
  const enrolment = start.data;
  return (
    <>
      {required ? (
        <Alert tone="info" title="Set up two-step verification to open the console">
          <p>
            Operators sign in with their password and a code from an authenticator app (for example
            1Password, Google Authenticator or Authy).
          </p>
        </Alert>
      ) : (
        <p className="lead">
          Protect your operator account with a code from an authenticator app, asked for after your
          password every time you sign in.
        </p>
      )}
      {start.error ? <ErrorAlert error={start.error} title="Could not start the set-up" /> : null}
      {enrolment ? (
        <ScanAndConfirm enrolment={enrolment} onConfirmed={onConfirmed} />
      ) : (
        <Button pending={start.isPending} onClick={() => start.mutate()}>
          Set up two-step verification
        </Button>
      )}
    </>
  );
}

function ScanAndConfirm({
  enrolment,
  onConfirmed,
}: {
  enrolment: SecondFactorEnrolment;
  onConfirmed: (codes: string[]) => void;
}) {
  const confirm = useConfirmEnrolment();
  return (
    <section className="panel" aria-labelledby="scan-heading">
      <h2 id="scan-heading">1. Add Paydeck to your authenticator app</h2>
      <img
        className="qr-code"
        width={200}
        height={200}
        src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`}
        alt="QR code to scan with your authenticator app"
      />
      <p>Or type this key into the app:</p>
      <p>
        <code aria-label="Secret key" data-testid="totp-secret">
          {enrolment.secret}
        </code>
      </p>
      <details>
        <summary>Show the otpauth:// link</summary>
        <p>
          <code className="break-all">{enrolment.otpauth_uri}</code>
        </p>
      </details>
      <h2>2. Enter the code the app shows</h2>
      <CodeForm
        submitLabel="Turn on two-step verification"
        pending={confirm.isPending}
        error={confirm.error}
        onSubmit={(code) =>
          confirm.mutate(code, { onSuccess: (done) => onConfirmed(done.recovery_codes) })
        }
      />
    </section>
  );
}

function Enrolled({
  since,
  left,
  onRegenerated,
}: {
  since: string | null;
  left: number;
  onRegenerated: (codes: string[]) => void;
}) {
  const regenerate = useRegenerateRecoveryCodes();
  return (
    <>
      <Alert tone="success" title="Two-step verification is on">
        <p>
          {since ? `Since ${formatDateTime(since)}. ` : ''}
          {left === 1 ? '1 recovery code is left.' : `${left} recovery codes are left.`}
        </p>
      </Alert>
      <section className="panel" aria-labelledby="regenerate-heading">
        <h2 id="regenerate-heading">New recovery codes</h2>
        <p className="muted">
          Generating new codes makes the old ones stop working. Lost your authenticator app? Sign in
          with a recovery code and ask an administrator to reset two-step verification.
        </p>
        <CodeForm
          submitLabel="Generate new recovery codes"
          pending={regenerate.isPending}
          error={regenerate.error}
          onSubmit={(code) =>
            regenerate.mutate(code, { onSuccess: (done) => onRegenerated(done.recovery_codes) })
          }
        />
      </section>
    </>
  );
}

function CodeForm({
  submitLabel,
  pending,
  error,
  onSubmit,
}: {
  submitLabel: string;
  pending: boolean;
  error: Error | null;
  onSubmit: (code: string) => void;
}) {
  const [code, setCode] = useState('');
  const [localError, setLocalError] = useState<string>();
  const serverError = error ? ApiError.from(error) : null;
  const fieldError = serverError?.field === 'code' ? serverError.message : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    const digits = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(digits)) {
      setLocalError('Enter the 6-digit code from your authenticator app.');
      return;
    }
    setLocalError(undefined);
    onSubmit(digits);
  }

  return (
    <form noValidate onSubmit={submit} className="stack">
      {serverError && !fieldError ? <ErrorAlert error={serverError} title="Not done" /> : null}
      <TextField
        label="Authentication code"
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={8}
        required
        value={code}
        error={localError ?? fieldError}
        onChange={(event) => setCode(event.currentTarget.value)}
      />
      <Button type="submit" pending={pending}>
        {submitLabel}
      </Button>
    </form>
  );
}

function RecoveryCodes({
  codes,
  next,
  onDone,
}: {
  codes: string[];
  next: string;
  onDone: () => void;
}) {
  return (
    <section className="panel" aria-labelledby="codes-heading">
      <h2 id="codes-heading">Save your recovery codes</h2>
      <Alert tone="info" live>
        <p>
          Each code signs you in once if you lose your authenticator app. They are shown only now:
          store them in your password manager.
        </p>
      </Alert>
      <ol className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <p className="stack">
        <Link className="button button--primary" to={next}>
          I have saved them — continue
        </Link>
        <Button variant="quiet" onClick={onDone}>
          Back to two-step verification
        </Button>
      </p>
    </section>
  );
}
