// A new Terms of Service version is accepted again before the next payment (issue 12, item 3):
// a customer whose accepted version is not the current one is refused before the payment's
// Idempotency-Key is claimed, accepts, and pays with the same key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEntries, legalAcceptances } from '../../src/db/schema.ts';
import { legalDocuments } from '../../src/modules/legal/documents.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { aCustomerWithOrder, newKey, pay } from '../helpers/builders.ts';
import { TestClient } from '../helpers/http-client.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const current = legalDocuments.terms.version;

/** As if the Terms changed after sign-up: the customer's acceptance is of an older version. */
async function termsChangedFor(userId: string) {
  await t.database.db
    .update(legalAcceptances)
    .set({ version: '2020-01-01' })
    .where(and(eq(legalAcceptances.userId, userId), eq(legalAcceptances.document, 'terms')));
}

describe('a new version of the Terms', () => {
  it('when the customer has not accepted it, then paying is refused; after accepting, the same key pays', async () => {
    const { client, user, order } = await aCustomerWithOrder(t);
    await termsChangedFor(user.id);
    const key = newKey('terms');
    const refused = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'terms_not_accepted' });
    expect(refused.json().error.message).toContain(legalDocuments.terms.effective_date);

    const accepted = await client.request('POST', '/api/legal/terms/accept', {
      body: { version: current },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toEqual({ document: 'terms', version: current });

    // The refusal was not stored as the key's answer.
    const paid = await pay(client, order.id, { payment_method_id: 'pm_card_visa' }, key);
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.headers['idempotent-replayed']).toBeUndefined();
    expect(paid.json().payment.status).toBe('succeeded');

    const audit = await t.database.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.action, 'legal.accepted'), eq(auditEntries.targetId, user.id)));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toEqual({ document: 'terms', version: current });
  });

  it('when accepting twice, then it is recorded once', async () => {
    const { client, user } = await aCustomerWithOrder(t);
    await termsChangedFor(user.id);
    for (let i = 0; i < 2; i++) {
      const res = await client.request('POST', '/api/legal/terms/accept', {
        body: { version: current },
      });
      expect(res.statusCode).toBe(200);
    }
    const rows = await t.database.db
      .select()
      .from(legalAcceptances)
      .where(
        and(
          eq(legalAcceptances.userId, user.id),
          eq(legalAcceptances.document, 'terms'),
          eq(legalAcceptances.version, current),
        ),
      );
    expect(rows).toHaveLength(1);
  });

  it('when an older version, an odd one or none is sent, or nobody is signed in, then it is refused in the error shape', async () => {
    const { client } = await aCustomerWithOrder(t);
    const old = await client.request('POST', '/api/legal/terms/accept', {
      body: { version: '2020-01-01' },
    });
    expect(old.statusCode).toBe(409);
    expect(old.json().error).toMatchObject({ code: 'terms_version_outdated', field: 'version' });
    for (const body of [{ version: 'x\u0000' }, {}, null, { version: current, extra: 1 }]) {
      const res = await client.request('POST', '/api/legal/terms/accept', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toHaveProperty('error.code');
    }
    expect(
      (
        await new TestClient(t.app).request('POST', '/api/legal/terms/accept', {
          body: { version: current },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('when the customer accepted the current version at sign-up, then paying is not held up', async () => {
    const { client, order } = await aCustomerWithOrder(t);
    const paid = await pay(client, order.id, { payment_method_id: 'pm_card_visa' });
    expect(paid.statusCode).toBe(200);
  });
});
