// Reading the rows a test just caused, straight from the test app's database: a payment, an
// order's payments oldest first, an order, and the audit entries about one target in order.
import { asc, eq } from 'drizzle-orm';
import { auditEntries, orders, payments } from '../../src/db/schema.ts';
import type { TestApp } from './app.ts';

/** Row readers bound to a test app built later (in beforeAll): `rowReaders(() => t)`. */
export function rowReaders(app: () => TestApp) {
  const db = () => app().database.db;
  return {
    async paymentRow(id: string) {
      const [row] = await db().select().from(payments).where(eq(payments.id, id));
      return row!;
    },
    paymentsOf: (orderId: string) =>
      db()
        .select()
        .from(payments)
        .where(eq(payments.orderId, orderId))
        .orderBy(asc(payments.createdAt)),
    async orderRow(id: string) {
      const [row] = await db().select().from(orders).where(eq(orders.id, id));
      return row!;
    },
    auditRows: (targetId: string) =>
      db()
        .select()
        .from(auditEntries)
        .where(eq(auditEntries.targetId, targetId))
        .orderBy(asc(auditEntries.id)),
  };
}
