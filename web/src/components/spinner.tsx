export function Spinner({ label = 'Loading…', className }: { label?: string; className?: string }) {
  return (
    <span className={['spinner', className].filter(Boolean).join(' ')} role="status">
      <span className="visually-hidden">{label}</span>
    </span>
  );
}
