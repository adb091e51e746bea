// What PostgreSQL's refusals mean to our code, however the driver wraps them.

/** A unique index refused the row (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === '23505' || e?.cause?.code === '23505';
}
