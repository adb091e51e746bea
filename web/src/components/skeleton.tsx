// Grey placeholders that hold the space of content still loading, so nothing jumps when it
// arrives. Sizes are CSS classes, not inline styles, to keep within a strict style-src CSP.

type SkeletonSize = 'line' | 'short' | 'title' | 'name';

export function Skeleton({ size = 'line' }: { size?: SkeletonSize }) {
  return <span className={`skeleton skeleton--${size}`} aria-hidden="true" />;
}

export function SkeletonText({ lines = 3 }: { lines?: number }) {
  return (
    <span className="skeleton-text" aria-hidden="true">
      {Array.from({ length: lines }, (_, index) => (
        <Skeleton key={index} size={index === lines - 1 ? 'short' : 'line'} />
      ))}
    </span>
  );
}

/** The placeholder for a whole page: a heading and a few paragraphs. */
export function PageSkeleton({ label = 'Loading page…' }: { label?: string }) {
  return (
    <div className="page-skeleton" role="status">
      <span className="visually-hidden">{label}</span>
      <Skeleton size="title" />
      <SkeletonText lines={4} />
    </div>
  );
}
