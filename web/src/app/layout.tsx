import { Suspense } from 'react';
import { Link, NavLink, Outlet } from 'react-router';
import { PageSkeleton } from '../components/skeleton';
import { SignOutButton } from '../features/auth';
import { useUser } from '../lib/session';
import { ModeBanner } from './mode-banner';

export function AppLayout() {
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <ModeBanner />
      <Header />
      <main id="main" className="main" tabIndex={-1}>
        {/* Pages may suspend (lazy components, suspense queries); hold their space meanwhile. */}
        <Suspense fallback={<PageSkeleton />}>
          <Outlet />
        </Suspense>
      </main>
      <Footer />
    </div>
  );
}

function Header() {
  const user = useUser();
  return (
    <header className="header">
      <div className="header__inner">
        <Link to="/" className="brand">
          <span className="brand__mark" aria-hidden="true">
            P
          </span>
          Paydeck
        </Link>
        {user ? (
          <nav className="nav" aria-label="Main">
            <NavLink to="/" end className="nav__link">
              Home
            </NavLink>
            <NavLink to="/shop" className="nav__link">
              Shop
            </NavLink>
            <NavLink to="/orders" className="nav__link">
              Orders
            </NavLink>
            <NavLink to="/wallet" className="nav__link">
              Wallet
            </NavLink>
            <NavLink to="/account" className="nav__link">
              Account
            </NavLink>
            {user.role === 'admin' ? (
              <NavLink to="/console" className="nav__link">
                Console
              </NavLink>
            ) : null}
          </nav>
        ) : null}
        <div className="header__account">
          {user ? (
            <>
              <span className="header__user" title={user.email}>
                <span className="visually-hidden">Signed in as </span>
                {user.name}
              </span>
              <SignOutButton />
            </>
          ) : (
            <>
              <NavLink to="/login" className="nav__link">
                Sign in
              </NavLink>
              <Link to="/signup" className="button button--primary button--small">
                Sign up
              </Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

function Footer() {
  return (
    <footer className="footer">
      <div className="footer__inner">
        <span>© Paydeck</span>
        <nav aria-label="Legal" className="footer__nav">
          <Link to="/legal/terms">Terms of Service</Link>
          <Link to="/legal/privacy">Privacy Policy</Link>
        </nav>
      </div>
    </footer>
  );
}
