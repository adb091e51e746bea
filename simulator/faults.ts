// Fault injection: rules matched on "METHOD /path/pattern", applied to a fraction of requests
// (reproducible from a seed), optionally a limited number of times, before or after the
// operation executes.
import { invalidRequest } from './errors.ts';
import { newId, seededRandom } from './util.ts';

export type FaultKind = 'latency' | 'error_500' | 'error_429' | 'reset' | 'hang';
export type FaultPhase = 'before' | 'after';

export interface FaultRule {
  id: string;
  /** "POST /v1/payment_intents", "* /v1/customers/:id", "GET *" … (`:x` and `*` match a segment; a trailing `/**` anything). */
  match: string;
  kind: FaultKind;
  /** 0–1; drawn from the seeded generator. */
  fraction: number;
  /** How many more times it may fire; null = unlimited. */
  remaining: number | null;
  /** `before`: the operation never runs. `after`: it runs (and is stored), the response is lost. */
  phase: FaultPhase;
  /** For `latency`. */
  latency_ms: number;
  /** For errors: the `Stripe-Should-Retry` header to send, if any. */
  should_retry: boolean | null;
  fired: number;
}

const KINDS: readonly FaultKind[] = ['latency', 'error_500', 'error_429', 'reset', 'hang'];

export class Faults {
  rules: FaultRule[] = [];
  /** Latency added to every API request. */
  latencyMs = 0;
  private random: () => number;

  constructor(private seed: number) {
    this.random = seededRandom(seed);
  }

  setSeed(seed: number): void {
    this.seed = seed;
    this.random = seededRandom(seed);
  }

  getSeed(): number {
    return this.seed;
  }

  add(input: Record<string, unknown>): FaultRule {
    const match = typeof input.match === 'string' ? input.match.trim() : '';
    if (!/^(\*|[A-Z]+) \S+$/.test(match)) {
      throw invalidRequest('`match` must look like "POST /v1/payment_intents"', { param: 'match' });
    }
    const kind = input.kind as FaultKind;
    if (!KINDS.includes(kind)) {
      throw invalidRequest(`\`kind\` must be one of ${KINDS.join(', ')}`, { param: 'kind' });
    }
    const fraction = input.fraction === undefined ? 1 : Number(input.fraction);
    if (!(fraction >= 0 && fraction <= 1)) {
      throw invalidRequest('`fraction` must be between 0 and 1', { param: 'fraction' });
    }
    const count = input.count === undefined || input.count === null ? null : Number(input.count);
    if (count !== null && !(Number.isInteger(count) && count > 0)) {
      throw invalidRequest('`count` must be a positive integer', { param: 'count' });
    }
    const phase = (input.phase ?? 'before') as FaultPhase;
    if (phase !== 'before' && phase !== 'after') {
      throw invalidRequest('`phase` must be before or after', { param: 'phase' });
    }
    const rule: FaultRule = {
      id: newId('fault'),
      match,
      kind,
      fraction,
      remaining: count,
      phase,
      latency_ms: Number(input.latency_ms ?? 0) || 0,
      should_retry: typeof input.should_retry === 'boolean' ? input.should_retry : null,
      fired: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  /** Total latency for this request: global plus every matching latency rule that fires. */
  latencyFor(method: string, path: string): number {
    let ms = this.latencyMs;
    for (const rule of this.rules) {
      if (rule.kind === 'latency' && this.fires(rule, method, path)) ms += rule.latency_ms;
    }
    return ms;
  }

  /** The first failure rule of this phase that fires for the request, if any. */
  failureFor(method: string, path: string, phase: FaultPhase): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.kind !== 'latency' && rule.phase === phase && this.fires(rule, method, path)) {
        return rule;
      }
    }
    return undefined;
  }

  reset(seed: number): void {
    this.rules = [];
    this.latencyMs = 0;
    this.setSeed(seed);
  }

  private fires(rule: FaultRule, method: string, path: string): boolean {
    if (rule.remaining === 0 || !matches(rule.match, method, path)) return false;
    if (rule.fraction < 1 && this.random() >= rule.fraction) return false;
    if (rule.remaining !== null) rule.remaining--;
    rule.fired++;
    return true;
  }
}

export function matches(pattern: string, method: string, path: string): boolean {
  const space = pattern.indexOf(' ');
  const m = pattern.slice(0, space);
  if (m !== '*' && m !== method) return false;
  const wanted = pattern.slice(space + 1);
  if (wanted === '*' || wanted === '/**') return true;
  const want = wanted.split('/');
  const got = path.split('/');
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w === '**') return true;
    if (i >= got.length) return false;
    if (w === '*' || w.startsWith(':')) continue;
    if (w !== got[i]) return false;
  }
  return want.length === got.length;
}
