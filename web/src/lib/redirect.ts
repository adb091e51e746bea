// Where to go after signing in. The target comes from the URL, so it must stay on this site:
// only plain absolute paths pass, never `//host` or `https://…` (an open redirect otherwise).

const AUTH_PAGES = new Set(['/login', '/signup']);

export function safeNextPath(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.includes('\\'))
    return '/';
  const pathname = value.split(/[?#]/, 1)[0] ?? '/';
  return AUTH_PAGES.has(pathname) ? '/' : value;
}

/** The sign-in URL that brings the user back to `from` afterwards. */
export function loginPath(from: string): string {
  const next = safeNextPath(from);
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

/** The sign-in page saying "You have signed out", for pages outside the app's router (the checkout). */
export const signedOutPath = '/login?signed_out';

/** Keeps the pending destination when switching between sign-in and sign-up. */
export function withNext(path: string, next: string): string {
  return next === '/' ? path : `${path}?next=${encodeURIComponent(next)}`;
}
