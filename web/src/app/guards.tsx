import { Navigate, Outlet, useLocation } from 'react-router';
import { loginPath } from '../lib/redirect';
import { TWO_FACTOR_PATH } from '../features/security';
import { useNeedsSecondFactorEnrolment, useSession, useUser } from '../lib/session';

/** Pages below need a session; without one, sign in first and come back here afterwards. */
export function RequireSignIn() {
  const { user, ended } = useSession();
  const location = useLocation();
  if (user) return <Outlet />;
  // The one place that reacts to losing the session, so sign-out and expiry cannot race each other.
  if (ended) return <Navigate to="/login" replace state={ended} />;
  return <Navigate to={loginPath(location.pathname + location.search + location.hash)} replace />;
}

/** Operator pages. Non-admins get an explanation rather than a redirect, so a shared link is not a mystery. */
export function RequireAdmin() {
  const user = useUser();
  const mustEnrol = useNeedsSecondFactorEnrolment();
  const location = useLocation();
  // OPERATOR_MFA=required: the server refuses every operator route until a second factor is set up.
  if (mustEnrol) {
    const next = encodeURIComponent(location.pathname + location.search + location.hash);
    return <Navigate to={`${TWO_FACTOR_PATH}?next=${next}`} replace />;
  }
  if (user?.role !== 'admin') {
    return (
      <div>
        <title>Not allowed · Paydeck</title>
        <h1>You can’t open this page</h1>
        <p className="lead">The operator console is only for Paydeck administrators.</p>
      </div>
    );
  }
  return <Outlet />;
}
