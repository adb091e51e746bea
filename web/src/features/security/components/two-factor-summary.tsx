import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { secondFactorQuery } from '../api/security';

/** For the account page: whether an operator's two-step verification is on, and where to manage it. */
export function TwoFactorSummary() {
  const status = useQuery(secondFactorQuery);
  if (!status.data?.available) return null;
  return (
    <section className="panel" aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">Two-step verification</h2>
      <p>
        {status.data.enrolled
          ? 'On: you sign in with your password and a code from your authenticator app.'
          : 'Off: your password alone signs you in.'}
      </p>
      <Link className="button button--secondary" to="/account/two-factor">
        {status.data.enrolled ? 'Manage two-step verification' : 'Set up two-step verification'}
      </Link>
    </section>
  );
}
