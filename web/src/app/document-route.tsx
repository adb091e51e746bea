import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { PageSkeleton } from '../components/skeleton';

/**
 * For addresses served by another page of the web app (the checkout, web/checkout.html): when the
 * router reaches one (e.g. "sign in, then continue to /checkout/…"), load it as a document.
 */
export function DocumentRoute() {
  const { pathname, search, hash } = useLocation();
  useEffect(() => {
    window.location.replace(pathname + search + hash);
  }, [pathname, search, hash]);
  return <PageSkeleton label="Opening the page…" />;
}
