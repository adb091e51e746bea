import { Link } from 'react-router';
import { useSignedInUser } from '../../../lib/session';

export function AccountPage() {
  const user = useSignedInUser();
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
              A copy of your profile, orders, payments and saved cards, as a JSON file. Coming soon.
            </p>
          </div>
          <button type="button" className="button button--secondary" disabled aria-describedby="export-note">
            Download my data
          </button>
        </div>
        <div className="account__action">
          <div>
            <h3>Delete my account</h3>
            <p id="delete-note" className="muted">
              Removes your personal data and saved cards; records of past payments are kept as the law requires. Coming
              soon.
            </p>
          </div>
          <button type="button" className="button button--secondary" disabled aria-describedby="delete-note">
            Delete my account
          </button>
        </div>
      </section>

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
