// When a measurement breaches its rule, and percentiles from latency buckets.
import { describe, expect, it } from 'vitest';
import { breaches } from '../../src/modules/alerts/measures.ts';
import type { AlertRule } from '../../src/modules/alerts/rules.ts';
import { alertRules } from '../../src/modules/alerts/rules.ts';

const rule = (r: Partial<AlertRule>): AlertRule => ({
  id: 'r',
  title: 'r',
  severity: 'warning',
  measure: 'payment_success_rate',
  windowMinutes: 15,
  forMinutes: 0,
  runbook: '',
  ...r,
});

describe('whether a measurement breaches its rule', () => {
  it('when the value is below a lower bound on enough volume, then it breaches; at the bound or on too little volume it does not', () => {
    const r = rule({ below: 0.8, minVolume: 10 });
    expect(breaches(r, { value: 0.79, volume: 10, detail: '' })).toBe(true);
    expect(breaches(r, { value: 0.8, volume: 10, detail: '' })).toBe(false);
    expect(breaches(r, { value: 0, volume: 9, detail: '' })).toBe(false);
  });

  it('when the value is above an upper bound, then it breaches; at the bound it does not', () => {
    const r = rule({ above: 0 });
    expect(breaches(r, { value: 1, detail: '' })).toBe(true);
    expect(breaches(r, { value: 0, detail: '' })).toBe(false);
  });

  it('when a rule asks for volume and none is given, then it does not breach', () => {
    expect(breaches(rule({ above: 1, minVolume: 1 }), { value: 5, detail: '' })).toBe(false);
  });
});

describe('the rules file', () => {
  it('has the rules the operators were promised, each with one threshold and a runbook', () => {
    expect(alertRules.map((r) => r.id).sort()).toEqual(
      [
        'decline_rate_spike',
        'dispute_opened',
        'job_backlog',
        'merchant_webhook_endpoint_disabled',
        'payment_success_rate_low',
        'payments_unresolved',
        'reconciliation_drift',
        'refund_failed',
        'stripe_errors',
        'stripe_slow',
        'webhook_lag',
        'webhook_signature_failures',
      ].sort(),
    );
    for (const r of alertRules) {
      expect((r.above === undefined) !== (r.below === undefined), r.id).toBe(true);
      expect(r.runbook.length, r.id).toBeGreaterThan(20);
    }
    expect(new Set(alertRules.map((r) => r.id)).size).toBe(alertRules.length);
  });
});
