// loadConfig's refusals: live mode's safety nets, and the alert and mail settings — each bad
// value stops start-up with a message naming the variable.
import { describe, expect, it } from 'vitest';
import {
  simulatedEnv as simulated,
  liveEnv as live,
  configProblems as problems,
} from '../helpers/config-env.ts';
import { loadConfig } from '../../src/config.ts';

describe('live mode', () => {
  it('when every safety net is set, then it loads, with no mail catcher', () => {
    const config = loadConfig(live);
    expect(config.stripe.mode).toBe('live');
    expect(config.mail).toMatchObject({ catcher: false, smtpUrl: undefined });
    expect(config.seedDemoData).toBe(false);
  });

  it('when webhook secrets, https, a database are missing, or a simulator is named, then each is refused by name', () => {
    const { STRIPE_WEBHOOK_SECRETS: _s, DATABASE_URL: _d, ...rest } = live;
    const found = problems({
      ...rest,
      PUBLIC_URL: 'http://pay.example.com',
      STRIPE_API_BASE: 'http://sim',
    });
    expect(found.map((p) => p.split(':')[0])).toEqual([
      'STRIPE_WEBHOOK_SECRETS',
      'PUBLIC_URL',
      'DATABASE_URL',
      'STRIPE_API_BASE',
    ]);
  });

  it('when demo data is asked for, then live mode refuses it: its passwords are published', () => {
    expect(problems({ ...live, SEED_DEMO_DATA: 'true' })).toEqual([
      'SEED_DEMO_DATA: demo accounts are refused in live mode; create operators with npm run admin:create',
    ]);
    expect(loadConfig({ ...simulated, SEED_DEMO_DATA: 'true' }).seedDemoData).toBe(true);
  });
});

describe('alert and mail settings', () => {
  it('when nothing is set, then mail goes to the catcher and alerts use their defaults', () => {
    const config = loadConfig(simulated);
    expect(config.mail).toEqual({
      smtpUrl: undefined,
      from: 'Paydeck <paydeck@localhost>',
      catcher: true,
    });
    expect(config.alerts).toEqual({
      emailTo: [],
      webhookUrl: undefined,
      reminderMs: 60 * 60_000,
      databaseDownMs: 30_000,
    });
  });

  it('when they are set, then they are read', () => {
    const config = loadConfig({
      ...simulated,
      SMTP_URL: 'smtps://mailer.example.com:465',
      ALERT_EMAIL_TO: 'a@example.com, b@example.com',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/T1/B2',
      ALERT_REMINDER_MINUTES: '15',
      ALERT_DATABASE_DOWN_SECONDS: '10',
    });
    expect(config.mail.smtpUrl).toBe('smtps://mailer.example.com:465');
    expect(config.alerts).toEqual({
      emailTo: ['a@example.com', 'b@example.com'],
      webhookUrl: 'https://hooks.example.com/T1/B2',
      reminderMs: 15 * 60_000,
      databaseDownMs: 10_000,
    });
  });

  it.each([
    ['SMTP_URL', 'http://mailer.example.com'],
    ['SMTP_URL', 'not a url'],
    ['ALERT_EMAIL_TO', 'oncall@example.com, not-an-address'],
    ['ALERT_WEBHOOK_URL', 'ftp://hooks.example.com'],
    ['ALERT_REMINDER_MINUTES', '1'],
    ['ALERT_REMINDER_MINUTES', 'soon'],
    ['ALERT_DATABASE_DOWN_SECONDS', '2'],
    ['MAIL_FROM', 'x'],
  ])('when %s is %j, then start-up is refused naming it', (name, value) => {
    const found = problems({ ...simulated, [name]: value });
    expect(
      found.some((p) => p.startsWith(`${name}:`) || p.startsWith(`${name}.`)),
      found.join('; '),
    ).toBe(true);
  });
});

describe('merchant webhooks', () => {
  it('when nothing is set, then private targets are allowed in simulated mode only', () => {
    expect(loadConfig(simulated).merchantWebhooks.allowPrivate).toBe(true);
    expect(
      loadConfig({ ...simulated, STRIPE_SIMULATED: 'false', STRIPE_API_BASE: '' }).merchantWebhooks
        .allowPrivate,
    ).toBe(false);
    expect(loadConfig(live).merchantWebhooks.allowPrivate).toBe(false);
    expect(
      loadConfig({ ...simulated, MERCHANT_WEBHOOKS_ALLOW_PRIVATE: 'false' }).merchantWebhooks
        .allowPrivate,
    ).toBe(false);
  });

  it('when MERCHANT_WEBHOOKS_ALLOW_PRIVATE is not a boolean, or true in live mode, then start-up is refused naming it', () => {
    expect(problems({ ...simulated, MERCHANT_WEBHOOKS_ALLOW_PRIVATE: 'sometimes' })[0]).toMatch(
      /^MERCHANT_WEBHOOKS_ALLOW_PRIVATE:/,
    );
    expect(problems({ ...live, MERCHANT_WEBHOOKS_ALLOW_PRIVATE: 'true' })).toEqual([
      expect.stringMatching(/^MERCHANT_WEBHOOKS_ALLOW_PRIVATE: must not be true in live mode/),
    ]);
  });
});
