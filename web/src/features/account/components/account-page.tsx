import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { TextField } from '../../../components/form-field';
import { ApiError } from '../../../lib/api-client';
import { useUser } from '../../../lib/session';
import { SessionsPanel, TwoFactorSummary } from '../../security';
import { exportUrl, useDeleteAccount } from '../api/account';
import { ChangePasswordPanel } from './change-password';

export function AccountPage() {
  const user = useUser();
  const [confirming, setConfirming] = useState(false);
  // Right after deletion the session is gone; the sign-in guard takes the visitor away.
  if (!user) return null;
  return (
    <div className="account">
      <title>Account · Paydeck</title>
      <h1>Account</h1>
      <section className="panel" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <dl className="facts">
          <div>
            <dt>Name</dt>
            <dd>{user.name}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{user.email}</dd>
          </div>
          <div>
            <dt>Account type</dt>
            <dd>{user.role === 'admin' ? 'Operator' : 'Customer'}</dd>
          </div>
        </dl>
      </section>

      <ChangePasswordPanel />
      <TwoFactorSummary />
      <SessionsPanel />

      <section className="panel" aria-labelledby="data-heading">
        <h2 id="data-heading">Your data</h2>
        <div className="account__action">
          <div>
            <h3>Download my data</h3>
            <p id="export-note" className="muted">
              A copy of your profile, orders, payments and saved cards, as a JSON file.
            </p>
          </div>
          <a
            className="button button--secondary"
            href={exportUrl}
            download
            aria-describedby="export-note"
          >
            Download my data
          </a>
        </div>
        <div className="account__action">
          <div>
            <h3>Delete my account</h3>
            <p id="delete-note" className="muted">
              Removes your personal data and saved cards; records of past payments are kept,
              anonymised, as the law requires. A payment still waiting for your bank&apos;s check is
              canceled first.
            </p>
          </div>
          <button
            type="button"
            className="button button--secondary"
            aria-describedby="delete-note"
            onClick={() => setConfirming(true)}
          >
            Delete my account
          </button>
        </div>
      </section>

      {confirming && <DeleteAccountDialog onCancel={() => setConfirming(false)} />}

      <section className="panel" aria-labelledby="legal-heading">
        <h2 id="legal-heading">Legal</h2>
        <ul className="links">
          <li>
            <Link to="/legal/terms">Terms of Service</Link>
          </li>
          <li>
            <Link to="/legal/privacy">Privacy Policy</Link>
          </li>
        </ul>
      </section>
    </div>
  );
}

/** Deleting cannot be undone, so it asks for the password again: a browser left signed in is not enough. */
function DeleteAccountDialog({ onCancel }: { onCancel: () => void }) {
  const deletion = useDeleteAccount();
  const passwordInput = useRef<HTMLInputElement>(null);
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<string>();
  const serverError = deletion.error ? ApiError.from(deletion.error) : null;
  const wrongPassword = serverError?.field === 'password' ? serverError.message : undefined;
  const passwordError = fieldError ?? wrongPassword;

  // A wrong password is said under the field, and the field takes focus to be typed again.
  useEffect(() => {
    if (wrongPassword) passwordInput.current?.focus();
  }, [wrongPassword]);

  function confirm(event?: FormEvent) {
    event?.preventDefault();
    if (deletion.isPending) return;
    if (!password) {
      setFieldError('Enter your password to delete your account.');
      passwordInput.current?.focus();
      return;
    }
    setFieldError(undefined);
    deletion.mutate(password);
  }

  return (
    <ConfirmDialog
      title="Delete your account?"
      confirmLabel="Delete my account"
      tone="danger"
      pending={deletion.isPending}
      error={serverError && !wrongPassword ? serverError : null}
      errorTitle="Your account was not deleted"
      onCancel={onCancel}
      onConfirm={() => confirm()}
    >
      <p>
        Your saved cards and personal data will be deleted and you will be signed out. A payment
        waiting for your bank&apos;s check is canceled. Records of your orders and payments are kept
        without your name or email, as bookkeeping law requires. This cannot be undone.
      </p>
      {/* A form of its own, so Enter in the password field confirms. */}
      <form noValidate onSubmit={confirm}>
        <TextField
          ref={passwordInput}
          label="Your password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          error={passwordError}
          disabled={deletion.isPending}
          onChange={(event) => {
            setPassword(event.currentTarget.value);
            setFieldError(undefined);
            if (wrongPassword) deletion.reset();
          }}
        />
      </form>
    </ConfirmDialog>
  );
}
