import { ApiError } from '../../../lib/api-client';
import { Button } from '../../../components/button';
import { useLogout } from '../api/auth';

/**
 * Signs out of this browser. No navigation here: the sign-in guard redirects pages that need a
 * session, and public pages (e.g. the legal texts) stay where they are.
 */
export function SignOutButton() {
  const logout = useLogout();
  return (
    <>
      <Button variant="quiet" pending={logout.isPending} onClick={() => logout.mutate()}>
        Sign out
      </Button>
      {logout.error ? (
        <span className="header__error" role="alert">
          Sign-out failed: {ApiError.from(logout.error).message}
        </span>
      ) : null}
    </>
  );
}
