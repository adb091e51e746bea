import { PageSkeleton, Skeleton } from '../components/skeleton';

/** Shown while the configuration and the session load on first visit; shaped like the layout. */
export function AppShellSkeleton() {
  return (
    <div className="app">
      <header className="header">
        <div className="header__inner">
          <span className="brand">
            <span className="brand__mark" aria-hidden="true">
              P
            </span>
            Paydeck
          </span>
          <span className="header__account">
            <Skeleton size="name" />
          </span>
        </div>
      </header>
      <main className="main">
        <PageSkeleton label="Loading Paydeck…" />
      </main>
    </div>
  );
}
