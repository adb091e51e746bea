// Small pieces every console page shares: scrollable tables, skeleton rows, empty states and
// pagination. Console-only, so they live with the console and load with it.
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Skeleton } from '../../../components/skeleton';

/**
 * A table that scrolls sideways inside its own box on narrow screens (360 px phones) instead of
 * widening the page. Focusable and labelled so keyboard users can scroll it too.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // Focusable: a region that scrolls must be reachable from the keyboard.
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** Grey rows in the table's own shape while the first page loads. */
export function SkeletonRows({ columns, rows = 5 }: { columns: number; rows?: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, row) => (
        <tr key={row} aria-hidden="true">
          {Array.from({ length: columns }, (_, column) => (
            <td key={column}>
              <Skeleton size={column === 0 ? 'line' : 'short'} />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** "snake_case.words" → "Snake case words", for codes that have no nicer name. */
export function humanize(code: string): string {
  const text = code.replace(/[_.]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** An id in monospace that wraps anywhere rather than widening its cell. */
export function Id({ children }: { children: string | null | undefined }) {
  if (!children) return <span className="muted">—</span>;
  return <code className="id">{children}</code>;
}

export interface PagerLink {
  to: string;
  label: string;
}

/** Previous/next links; page state lives in the URL so a page can be shared and reloaded. */
export function Pager({
  label,
  summary,
  previous,
  next,
}: {
  label: string;
  summary?: ReactNode;
  previous: PagerLink | null;
  next: PagerLink | null;
}) {
  if (!summary && !previous && !next) return null;
  return (
    <nav className="pager" aria-label={label}>
      {summary ? <p className="pager__summary">{summary}</p> : null}
      <div className="pager__links">
        {previous ? (
          <Link to={previous.to} className="button button--secondary button--small">
            {previous.label}
          </Link>
        ) : null}
        {next ? (
          <Link to={next.to} className="button button--secondary button--small">
            {next.label}
          </Link>
        ) : null}
      </div>
    </nav>
  );
}

const EVENT_TONES: Record<string, string> = {
  processed: 'success',
  received: 'info',
  ignored: 'neutral',
  failed: 'error',
};

/** A stored Stripe event's processing state, in words and colour. */
export function EventStatus({ status }: { status: string }) {
  return (
    <span className={`status status--${EVENT_TONES[status] ?? 'neutral'}`}>{humanize(status)}</span>
  );
}
