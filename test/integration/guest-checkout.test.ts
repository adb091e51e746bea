// Guest customers and checkout links (issue 15, item 3; ADR 030): the merchant API creates a
// customer without a password, orders for them carry a signed, expiring checkout_url, and the
// session that link opens reaches that one order's checkout and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueEmail, type TestApp } from '../helpers/app.ts';
import { aCustomer, pay } from '../helpers/builders.ts';
import { anApiKey, type ApiClient } from '../helpers/api-keys.ts';
import { TestClient } from '../helpers/http-client.ts';
import { ManualClock } from '../../src/lib/clock.ts';

const clock = new ManualClock(new Date());
let t: TestApp;
let api: ApiClient;
beforeAll(async () => {
  t = await createTestApp({ clock });
  api = (await anApiKey(t)).api;
});
afterAll(() => t.close());

interface Customer {
  id: string;
  email: string;
  name: string;
  has_account: boolean;
  metadata: Record<string, string>;
}
interface Order {
  id: string;
  status: string;
  checkout_url: string;
  success_url: string | null;
  cancel_url: string | null;
}

async function aGuest(body: Record<string, unknown> = {}): Promise<Customer> {
  const res = await api.request('POST', '/api/v1/customers', {
    body: { email: uniqueEmail('guest'), ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Customer;
}

async function anOrderFor(customerId: string, body: Record<string, unknown> = {}): Promise<Order> {
  const res = await api.request('POST', '/api/v1/orders', {
    body: { customer_id: customerId, amount: 1800, currency: 'usd', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Order;
}

const tokenOf = (order: Order) => new URL(order.checkout_url).searchParams.get('token')!;

/** A browser that followed the order's checkout_url: POST /api/checkout/sessions with its token. */
async function openLink(order: Order, token = tokenOf(order), browser = new TestClient(t.app)) {
  const res = await browser.request('POST', '/api/checkout/sessions', {
    body: { order_id: order.id, token },
  });
  return { browser, res };
}

describe('guest customers through the merchant API', () => {
  it('when a customer is created, then it has no account, keeps its metadata, and can be read, listed, changed and deleted', async () => {
    const email = uniqueEmail('guest');
    const created = await aGuest({ email, name: 'Gail Guest', metadata: { crm: 'C-17' } });
    expect(created).toMatchObject({
      email,
      name: 'Gail Guest',
      has_account: false,
      metadata: { crm: 'C-17' },
      default_payment_method: null,
    });

    const read = await api.request('GET', `/api/v1/customers/${created.id}`);
    expect(read.json()).toMatchObject({ id: created.id, email, has_account: false });
    const listed = await api.request('GET', `/api/v1/customers?email=${encodeURIComponent(email)}`);
    expect(listed.json().data.map((c: Customer) => c.id)).toEqual([created.id]);

    const changed = await api.request('PATCH', `/api/v1/customers/${created.id}`, {
      body: { name: 'Gail Newname', metadata: { crm: 'C-18' } },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      name: 'Gail Newname',
      metadata: { crm: 'C-18' },
      email,
    });

    const deleted = await api.request('DELETE', `/api/v1/customers/${created.id}`);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json()).toMatchObject({ id: created.id, deleted: true });
    expect(deleted.json().deletion.removed.length).toBeGreaterThan(0);
    expect((await api.request('DELETE', `/api/v1/customers/${created.id}`)).statusCode).toBe(404);
  });

  it('when an email is taken, then creating or moving a customer to it answers 409 email_taken', async () => {
    const { user } = await aCustomer(t);
    const again = await api.request('POST', '/api/v1/customers', { body: { email: user.email } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('email_taken');

    const guest = await aGuest();
    const moved = await api.request('PATCH', `/api/v1/customers/${guest.id}`, {
      body: { email: user.email.toUpperCase() },
    });
    expect(moved.statusCode).toBe(409);
    expect(moved.json().error.code).toBe('email_taken');
    // Nothing changed by the refused request.
    expect((await api.request('GET', `/api/v1/customers/${guest.id}`)).json().email).toBe(
      guest.email,
    );
  });

  it('when the input is bad or the key lacks customers:write, then it is refused before anything is stored', async () => {
    const bad = await api.request('POST', '/api/v1/customers', { body: { email: 'not-an-email' } });
    expect(bad.statusCode).toBe(400);
    const empty = await api.request('POST', '/api/v1/customers', { body: null });
    expect(empty.statusCode).toBe(400);
    const readOnly = (await anApiKey(t, ['customers:read'])).api;
    const email = uniqueEmail('refused');
    const refused = await readOnly.request('POST', '/api/v1/customers', { body: { email } });
    expect(refused.statusCode).toBe(403);
    const found = await api.request('GET', `/api/v1/customers?email=${encodeURIComponent(email)}`);
    expect(found.json().data).toEqual([]);
  });

  it("when the API tries to move an account holder's email or delete their account, then 409 customer_has_account and nothing changes", async () => {
    const { client, user } = await aCustomer(t);
    const moved = await api.request('PATCH', `/api/v1/customers/${user.id}`, {
      body: { email: uniqueEmail('takeover') },
    });
    expect(moved.statusCode).toBe(409);
    expect(moved.json().error.code).toBe('customer_has_account');
    const deleted = await api.request('DELETE', `/api/v1/customers/${user.id}`);
    expect(deleted.statusCode).toBe(409);
    expect(deleted.json().error.code).toBe('customer_has_account');
    expect((await api.request('GET', `/api/v1/customers/${user.id}`)).json().email).toBe(
      user.email,
    );
    // Still signed in: nothing happened to the account.
    expect((await client.request('GET', '/api/orders')).statusCode).toBe(200);
    // Their name and metadata are the merchant's to keep up to date.
    const named = await api.request('PATCH', `/api/v1/customers/${user.id}`, {
      body: { name: 'Renamed By Shop', metadata: { tier: 'gold' } },
    });
    expect(named.json()).toMatchObject({ name: 'Renamed By Shop', metadata: { tier: 'gold' } });
  });

  it('when a deleted customer is changed, then 404 and the erased row stays erased', async () => {
    const guest = await aGuest({ name: 'Soon Gone' });
    expect((await api.request('DELETE', `/api/v1/customers/${guest.id}`)).statusCode).toBe(200);
    const changed = await api.request('PATCH', `/api/v1/customers/${guest.id}`, {
      body: { name: 'Back Again', email: uniqueEmail('revived') },
    });
    expect(changed.statusCode).toBe(404);
    const read = (await api.request('GET', `/api/v1/customers/${guest.id}`)).json();
    expect(read.name).toBe('Deleted user');
  });

  it('when an account holder is listed, then has_account is true', async () => {
    const { user } = await aCustomer(t);
    const read = await api.request('GET', `/api/v1/customers/${user.id}`);
    expect(read.json().has_account).toBe(true);
  });
});

describe('orders: success_url and cancel_url', () => {
  it('when an order names them, then its view returns them with {ORDER_ID} filled in', async () => {
    const guest = await aGuest();
    const order = await anOrderFor(guest.id, {
      success_url: 'https://shop.example/thanks?order={ORDER_ID}',
      cancel_url: 'https://shop.example/cart',
    });
    expect(order.success_url).toBe(`https://shop.example/thanks?order=${order.id}`);
    expect(order.cancel_url).toBe('https://shop.example/cart');
  });

  it('when a return address is not http(s), then the order is refused with 400 naming the field', async () => {
    const guest = await aGuest();
    for (const url of ['javascript:alert(1)//x', 'data:text/html,hi', 'ftp://shop.example/']) {
      const res = await api.request('POST', '/api/v1/orders', {
        body: { customer_id: guest.id, amount: 1800, currency: 'usd', success_url: url },
      });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.message).toContain('success_url');
    }
  });
});

describe('checkout links', () => {
  it('when a guest follows the link, then they accept the Terms, pay with a new card saved for later, and the order is paid', async () => {
    const guest = await aGuest();
    const order = await anOrderFor(guest.id);
    const { browser, res } = await openLink(order);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ user: { id: guest.id }, checkout_order_id: order.id });
    const session = await browser.request('GET', '/api/auth/session');
    expect(session.json().checkout_order_id).toBe(order.id);

    expect((await browser.request('GET', `/api/orders/${order.id}`)).statusCode).toBe(200);
    // A guest has accepted no Terms yet: the first try says so, and accepting opens the way.
    const first = await pay(browser, order.id, { payment_method_id: 'pm_card_visa' });
    expect(first.json().error.code).toBe('terms_not_accepted');
    const terms = (await browser.request('GET', '/api/legal/terms')).json();
    const accepted = await browser.request('POST', '/api/legal/terms/accept', {
      body: { version: terms.version },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const paid = await pay(browser, order.id, {
      payment_method_id: 'pm_card_visa',
      save_payment_method: true,
    });
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json().order.status).toBe('paid');

    // The card saved with consent charges the next order off-session.
    const next = await anOrderFor(guest.id);
    const charged = await api.request('POST', `/api/v1/orders/${next.id}/charge`, { body: {} });
    expect(charged.statusCode, charged.body).toBe(200);
    expect(charged.json().order.status).toBe('paid');
  });

  it('when a link session asks for anything but its order, then it is refused', async () => {
    const guest = await aGuest();
    const order = await anOrderFor(guest.id);
    const other = await anOrderFor(guest.id);
    const { browser } = await openLink(order);

    const otherOrder = await browser.request('GET', `/api/orders/${other.id}`);
    expect(otherOrder.statusCode).toBe(403);
    expect(otherOrder.json().error.code).toBe('checkout_link_scope');
    const otherPay = await pay(browser, other.id, { payment_method_id: 'pm_card_visa' });
    expect(otherPay.statusCode).toBe(403);
    for (const [method, url] of [
      ['GET', '/api/orders'],
      ['GET', '/api/account/export'],
      ['POST', '/api/orders'],
      ['GET', '/api/auth/sessions'],
    ] as const) {
      const res = await browser.request(method, url, method === 'POST' ? { body: {} } : {});
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    // Encoded spellings of the same path reach the same route and the same refusal.
    const encoded = await browser.request('GET', `/api/%6Frders/${other.id}`);
    expect(encoded.statusCode).toBe(403);
  });

  it('when a link session reads its order, then it gets no fresh signed link (a link cannot renew itself)', async () => {
    const guest = await aGuest();
    const order = await anOrderFor(guest.id);
    const { browser } = await openLink(order);
    const seen = (await browser.request('GET', `/api/orders/${order.id}`)).json() as Order;
    expect(seen.checkout_url).toBe(`${t.config.publicUrl}/checkout/${order.id}`);
    const terms = (await browser.request('GET', '/api/legal/terms')).json();
    await browser.request('POST', '/api/legal/terms/accept', { body: { version: terms.version } });
    const paid = await pay(browser, order.id, { payment_method_id: 'pm_card_visa' });
    expect(paid.json().order.checkout_url).toBe(`${t.config.publicUrl}/checkout/${order.id}`);
  });

  it('when the token is altered, extended, for another order, or names another order id, then 403 checkout_link_invalid', async () => {
    const guest = await aGuest();
    const order = await anOrderFor(guest.id);
    const other = await anOrderFor(guest.id);
    const token = tokenOf(order);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const cases = [
      { order, token: `${token.slice(0, -1)}${last}` },
      // The expiry pushed out by a day: the MAC no longer matches.
      { order, token: token.replace(/^\d+/, (s) => String(Number(s) + 86_400)) },
      { order: other, token },
      { order: { ...order, id: '00000000-0000-4000-8000-000000000000' }, token },
      { order, token: 'garbage' },
    ];
    for (const c of cases) {
      const { res } = await openLink(c.order, c.token);
      expect(res.statusCode, c.token).toBe(403);
      expect(res.json().error.code).toBe('checkout_link_invalid');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('when the link has expired, then 410 checkout_link_expired, and a fresh read of the order gives a new link', async () => {
    const guest = await aGuest();
    const order = await anOrderFor(guest.id);
    clock.advance(t.config.checkoutLinkTtlMs + 1000);
    const { res } = await openLink(order);
    expect(res.statusCode).toBe(410);
    expect(res.json().error.code).toBe('checkout_link_expired');

    const fresh = (await api.request('GET', `/api/v1/orders/${order.id}`)).json() as Order;
    expect((await openLink(fresh)).res.statusCode).toBe(200);
  });

  it("when the order's customer has an account, then the link asks them to sign in (403 sign_in_required)", async () => {
    const { client, user } = await aCustomer(t);
    const order = await anOrderFor(user.id);
    const { res } = await openLink(order);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('sign_in_required');
    // Signed in, the customer opens it as always.
    expect((await client.request('GET', `/api/orders/${order.id}`)).statusCode).toBe(200);
  });

  it('when a guest tries to sign in with any password, then it fails like a wrong password', async () => {
    const guest = await aGuest();
    const res = await new TestClient(t.app).request('POST', '/api/auth/login', {
      body: { email: guest.email, password: '!guest' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('invalid_credentials');
  });
});
