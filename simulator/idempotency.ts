// Stripe's idempotent requests (docs.stripe.com/api/idempotent_requests): a POST's first result
// is saved under (API key, Idempotency-Key) and replayed for the same parameters.
import { SimError } from './errors.ts';

export interface SavedResponse {
  status: number;
  body: string;
}

interface Entry {
  fingerprint: string;
  /** null while the first request is still running. */
  response: SavedResponse | null;
  at: number;
}

const MAX_KEY_LENGTH = 255;
/** Stripe prunes keys after at least 24 hours. */
const TTL_MS = 24 * 3600 * 1000;
const MAX_ENTRIES = 50_000;

export type Claim =
  | { kind: 'new'; release: (saved: SavedResponse | null) => void }
  | { kind: 'replay'; response: SavedResponse };

export class IdempotencyCache {
  private entries = new Map<string, Entry>();

  constructor(private readonly onChange: () => void = () => {}) {}

  /**
   * Claims the key for this request, or answers with the saved result, or refuses.
   * `release(saved)` must be called once: with the response to save, or null to forget the key
   * (validation failures and injected "before" faults store nothing).
   */
  claim(apiKey: string, key: string, fingerprint: string): Claim {
    if (key.length > MAX_KEY_LENGTH) {
      throw new SimError(400, {
        type: 'invalid_request_error',
        message: `Idempotency keys can be at most ${MAX_KEY_LENGTH} characters long.`,
        param: 'Idempotency-Key',
      });
    }
    const scoped = `${apiKey}\u0000${key}`;
    const existing = this.entries.get(scoped);
    if (existing && Date.now() - existing.at > TTL_MS) this.entries.delete(scoped);
    else if (existing) {
      if (existing.fingerprint !== fingerprint) {
        throw new SimError(400, {
          type: 'idempotency_error',
          message:
            'Keys for idempotent requests can only be used with the same parameters they were ' +
            `first used with. Try using a key other than '${key}' if you meant to execute a ` +
            'different request.',
        });
      }
      if (!existing.response) {
        // Stripe answers this conflict as an invalid_request_error (the SDK retries 409s).
        throw new SimError(409, {
          type: 'invalid_request_error',
          code: 'idempotency_key_in_use',
          message:
            'There is currently another in-progress request using this Idempotent Key (that ' +
            'probably means you submitted twice, and the other request is still going through): ' +
            `${key}. Please try again later.`,
          doc_url: 'https://stripe.com/docs/error-codes/idempotency-key-in-use',
        });
      }
      return { kind: 'replay', response: existing.response };
    }
    const entry: Entry = { fingerprint, response: null, at: Date.now() };
    this.entries.set(scoped, entry);
    return {
      kind: 'new',
      release: (saved) => {
        if (saved) {
          entry.response = saved;
          this.prune();
          this.onChange();
        } else if (this.entries.get(scoped) === entry) this.entries.delete(scoped);
      },
    };
  }

  reset(): void {
    this.entries.clear();
  }

  /** Completed entries, for the snapshot. */
  toJSON(): [string, Entry][] {
    return [...this.entries].filter(([, e]) => e.response !== null);
  }

  load(saved: unknown): void {
    if (!Array.isArray(saved)) return;
    for (const [k, e] of saved as [string, Entry][]) this.entries.set(k, e);
  }

  private prune(): void {
    if (this.entries.size <= MAX_ENTRIES) return;
    // Maps iterate in insertion order: the oldest keys go first.
    for (const k of this.entries.keys()) {
      this.entries.delete(k);
      if (this.entries.size <= MAX_ENTRIES * 0.9) break;
    }
  }
}
