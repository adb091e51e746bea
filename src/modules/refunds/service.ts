// The refunds component's entry point: full, partial, several partials — never more than was
// captured. The steps live under ./service/: create.ts (write → call → settle), settle.ts
// (recording a status and the refunded totals), sync.ts (asking Stripe again, importing refunds
// made outside Paydeck) and records.ts (refund data other components read).
import type { RefundSnapshot } from '../../stripe/provider.ts';
import type { Actor } from '../audit/actor.ts';
import type { RefundRow } from './repository.ts';
import { CreateRefund, type RefundInput } from './service/create.ts';
import type { RefundsDeps } from './service/deps.ts';
import type { RefundRecords } from './service/records.ts';
import { RefundSettlement } from './service/settle.ts';
import { RefundSync } from './service/sync.ts';

export { publicRefund, type PublicRefund, type RefundRow } from './repository.ts';
export type { RefundInput } from './service/create.ts';
export { RefundRecords } from './service/records.ts';

export class RefundsService {
  private readonly settlement: RefundSettlement;
  private readonly creation: CreateRefund;
  private readonly sync: RefundSync;

  constructor(
    deps: RefundsDeps,
    /** Refund data for other components (order views, lists, the console, the reconciler). */
    readonly records: RefundRecords,
  ) {
    this.settlement = new RefundSettlement(deps);
    this.sync = new RefundSync(deps, this.settlement);
    this.creation = new CreateRefund(deps, this.settlement, this.sync);
  }

  refund(input: RefundInput, actor: Actor): Promise<{ refund: RefundRow; httpStatus: 200 | 202 }> {
    return this.creation.refund(input, actor);
  }

  syncRefund(refundId: string, actor: Actor, stripeEventId?: string): Promise<RefundRow> {
    return this.sync.syncRefund(refundId, actor, stripeEventId);
  }

  syncByStripeRefund(
    snapshot: RefundSnapshot,
    actor: Actor,
    stripeEventId: string,
  ): Promise<RefundRow | undefined> {
    return this.sync.syncByStripeRefund(snapshot, actor, stripeEventId);
  }

  importExternal(paymentId: string, actor: Actor, stripeEventId?: string): Promise<number> {
    return this.sync.importExternal(paymentId, actor, stripeEventId);
  }

  /** Refunds still `creating`/`unknown` after `olderThanMs`, oldest first (the sweeper's). */
  unsettled(olderThanMs: number, limit: number): Promise<RefundRow[]> {
    return this.sync.unsettled(olderThanMs, limit);
  }
}
