// What a new user sees after `npm start` with nothing configured: no SMTP server, no chat
// webhook. An alert that fires is on the console's Alerts page and its email is in the local
// catcher (the console's Mail page), addressed to the operators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import type { TestClient } from '../helpers/http-client.ts';
import { asTestApp, startSystem, type RunningSystem } from '../helpers/system.ts';
import { anAdmin } from '../helpers/webhooks.ts';
import { eventually } from '../helpers/eventually.ts';
import { aCustomer } from '../helpers/builders.ts';
import type { components } from '../../web/src/types/generated/api.ts';

type MailList = components['schemas']['CaughtMailList'];

let system: RunningSystem;
let t: TestApp;
let admin: { client: TestClient; user: { email: string } };

beforeAll(async () => {
  system = await startSystem({ RUN_WORKERS: 'false' });
  t = asTestApp(system);
  admin = await anAdmin(t);
});
afterAll(() => system.close());

describe('alerts with nothing configured', () => {
  it('when an alert fires, then its email is kept by the catcher for every operator and the console lists it', async () => {
    const before = (await admin.client.request('GET', '/api/admin/mail')).json() as MailList;
    expect(before.mailer).toBe('catcher');
    expect(before.data).toEqual([]);

    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${system.baseUrl}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=forged' },
        body: '{}',
      });
      expect(res.status).toBe(400);
    }
    await eventually(async () => {
      const res = await admin.client.request('POST', '/api/admin/alerts/evaluate');
      return (res.json() as { sent: number }).sent === 1;
    }, 500);

    const mail = (await admin.client.request('GET', '/api/admin/mail')).json() as MailList;
    expect(mail.data).toHaveLength(1);
    expect(mail.data[0]!.subject).toMatch(
      /^\[Paydeck FIRING\] Webhooks refused for a bad signature/,
    );
    // The demo operator and the one this test made: every operator's address.
    expect(mail.data[0]!.to.split(', ')).toContain(admin.user.email);
    expect(mail.data[0]!.text).toMatch(/6 webhooks refused for their signature/);
    expect(mail.data[0]!.text).toContain('/console/alerts');
  });

  it('when a customer asks for the caught mail, then 403; odd paging input is 400', async () => {
    const { client } = await aCustomer(t);
    expect((await client.request('GET', '/api/admin/mail')).statusCode).toBe(403);
    expect((await admin.client.request('GET', '/api/admin/mail?limit=0')).statusCode).toBe(400);
    expect(
      (await admin.client.request('GET', '/api/admin/mail?starting_after=%00')).statusCode,
    ).toBe(400);
  });
});
