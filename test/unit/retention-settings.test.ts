// The retention settings (RETENTION_*, ADR 024): how a period is written, what start-up refuses,
// and what the defaults are — the periods the Privacy Policy states unless an operator sets others.
import { describe, expect, it } from 'vitest';
import { configProblems, testModeEnv as base } from '../helpers/config-env.ts';
import { loadConfig } from '../../src/config.ts';
import { describeDuration, parseDuration } from '../../src/lib/duration.ts';
import { legalDocument } from '../../src/modules/legal/documents.ts';

const problems = (env: Record<string, string>) => configProblems({ ...base, ...env });

describe('a period', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['30d', 2_592_000_000],
    ['0s', 0],
    [' 7d ', 604_800_000],
  ])('when written %j, then it is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['30', '30 days', '1.5d', '-1d', '1w', 'P30D', '1d12h', '', 'd', '1234567d'])(
    'when written %j, then it is refused',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it('is described in the largest unit that divides it', () => {
    expect(describeDuration(30 * 86_400_000)).toBe('30 days');
    expect(describeDuration(86_400_000)).toBe('1 day');
    expect(describeDuration(36 * 3_600_000)).toBe('36 hours');
    expect(describeDuration(60_000)).toBe('1 minute');
    expect(describeDuration(90_000)).toBe('90 seconds');
    expect(describeDuration(0)).toBe('0 seconds');
  });
});

describe('retention settings at start-up', () => {
  it('when none is set, then the documented defaults apply', () => {
    const day = 86_400_000;
    expect(loadConfig(base).retention).toEqual({
      webhookPayloads: 30 * day,
      sentOutbox: 30 * day,
      expiredSessions: 0,
      idempotencyKeys: day,
      auditIps: 90 * day,
      deletedAccounts: 1095 * day,
      caughtMail: 7 * day,
      alertNotifications: 90 * day,
      metricMinutes: 35 * day,
      merchantEvents: 30 * day,
    });
  });

  it('when one is set, then it is read in milliseconds', () => {
    expect(loadConfig({ ...base, RETENTION_AUDIT_IPS: '90s' }).retention.auditIps).toBe(90_000);
  });

  it('when values are malformed, then start-up stops with a message naming each variable', () => {
    const found = problems({ RETENTION_AUDIT_IPS: '90 days', RETENTION_CAUGHT_MAIL: '1w' });
    expect(found).toEqual([
      expect.stringMatching(/^RETENTION_AUDIT_IPS: must be a whole number and one unit/),
      expect.stringMatching(/^RETENTION_CAUGHT_MAIL: must be a whole number and one unit/),
    ]);
  });

  it('when idempotency keys would be kept less than 24 hours, then start-up stops: the API promises 24', () => {
    expect(problems({ RETENTION_IDEMPOTENCY_KEYS: '23h' })).toEqual([
      expect.stringMatching(/^RETENTION_IDEMPOTENCY_KEYS: at least 24h/),
    ]);
    expect(problems({ RETENTION_IDEMPOTENCY_KEYS: '24h' })).toEqual([]);
  });
});

describe('the Privacy Policy with the default settings', () => {
  it('states the default periods, and that sessions go as soon as they expire', () => {
    const { body } = legalDocument('privacy', loadConfig(base));
    expect(body).toContain('are kept 30 days after we processed them');
    expect(body).toContain('is deleted 1 day after the request');
    expect(body).toContain('erased from our records after 90 days');
    expect(body).toContain('is kept 1095 days as proof of our agreement');
    expect(body).toContain('are deleted as soon as they expire');
    expect(body).toContain('deleted after 90 days, 7 days and 35 days');
  });
});
