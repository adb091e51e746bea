import { Link, isRouteErrorResponse, useRouteError } from 'react-router';
import { ErrorAlert } from '../components/alert';
import { ApiError } from '../lib/api-client';

/** A page failed (render error, failed chunk, failed loader): explain it inside the layout. */
export function RouteErrorPage() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage />;
  return (
    <div>
      <title>Error · Paydeck</title>
      <h1>This page could not be shown</h1>
      <ErrorAlert error={error} />
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </div>
  );
}

/**
 * The app itself could not start (e.g. the server is unreachable, so neither the configuration
 * nor the session loaded). Rendered without the layout, which depends on both.
 */
export function RootErrorPage() {
  const error = useRouteError();
  return <StandaloneError error={error} />;
}

export function StandaloneError({ error }: { error: unknown }) {
  const apiError = ApiError.from(error);
  return (
    <div className="standalone">
      <title>Paydeck is unavailable</title>
      <p className="brand">
        <span className="brand__mark" aria-hidden="true">
          P
        </span>
        Paydeck
      </p>
      <h1>Paydeck could not start</h1>
      <ErrorAlert error={apiError} onRetry={() => window.location.reload()} />
    </div>
  );
}

export function NotFoundPage() {
  return (
    <div>
      <title>Page not found · Paydeck</title>
      <h1>Page not found</h1>
      <p className="lead">
        There is nothing at this address. Check the link, or start again from the home page.
      </p>
      <p>
        <Link to="/" className="button button--primary">
          Go to the home page
        </Link>
      </p>
    </div>
  );
}
