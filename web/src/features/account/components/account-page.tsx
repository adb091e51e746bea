import { useState } from 'react';
import { Link } from 'react-router';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { useUser } from '../../../lib/session';
import { exportUrl, useDeleteAccount } from '../api/account';

export function AccountPage() {
  const user = useUser();
  const [confirming, setConfirming] = useState(false);
  const deletion = useDeleteAccount();
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

      <section className="panel" aria-labelledby="data-heading">
        <h2 id="data-heading">Your data</h2>
        <div className="account__action">
          <div>
            <h3>Download my data</h3>
            <p id="export-note" className="muted">
              A copy of your profile, orders, payments and saved cards, as a JSON file.
            </p>
          </div>
          <a className="button button--secondary" href={exportUrl} download aria-describedby="export-note">
            Download my data
          </a>
        </div>
        <div className="account__action">
          <div>
            <h3>Delete my account</h3>
            <p id="delete-note" className="muted">
              Removes your personal data and saved cards; records of past payments are kept as the law requires.
            </p>
          </div>
          <button type="button" className="button button--secondary" aria-describedby="delete-note" onClick={() => setConfirming(true)}>
            Delete my account
          </button>
        </div>
      </section>

      {confirming && (
        <ConfirmDialog
          title="Delete your account?"
          confirmLabel="Delete my account"
          tone="danger"
          pending={deletion.isPending}
          error={deletion.error}
          errorTitle="Your account was not deleted"
          onCancel={() => setConfirming(false)}
          onConfirm={() => deletion.mutate()}
        >
          <p>
            Your saved cards and personal data will be deleted and you will be signed out. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}

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
