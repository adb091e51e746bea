// Who the audit log names for work no person asked for (src/modules/audit/actor.ts): a job or the
// reconciler is `system` under its own name, an event from Stripe is `stripe` under the event's id;
// neither has an IP address or a request.
import { describe, expect, it } from 'vitest';
import { stripeActor, systemActor } from '../../src/modules/audit/actor.ts';

describe('actors without a request', () => {
  it('when a job acts, then it is system under its name (system when unnamed), with no IP or request', () => {
    expect(systemActor('sync-job')).toEqual({
      type: 'system',
      id: 'sync-job',
      ip: null,
      requestId: null,
    });
    expect(systemActor()).toEqual({ type: 'system', id: 'system', ip: null, requestId: null });
  });

  it('when a Stripe event acts, then it is stripe under the event id, with no IP or request', () => {
    expect(stripeActor('evt_123')).toEqual({
      type: 'stripe',
      id: 'evt_123',
      ip: null,
      requestId: null,
    });
  });
});
