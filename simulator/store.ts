/* eslint-disable security/detect-non-literal-fs-filename -- the data directory is the operator's own setting */
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { StripeObject } from './types.ts';

export const COLLECTIONS = [
  'customers',
  'payment_methods',
  'setup_intents',
  'payment_intents',
  'charges',
  'refunds',
  'disputes',
  'events',
  'webhook_endpoints',
  'balance_transactions',
] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

/** What the simulator knows about a card that Stripe keeps private. */
export interface CardSecret {
  number: string;
  /** Set once a SetupIntent (or `setup_future_usage`) prepared it for off-session use. */
  setUp: boolean;
  /**
   * Used for a payment without being attached to a customer, or detached from one: Stripe refuses
   * any further use (attach, PaymentIntent, SetupIntent).
   */
  consumed?: boolean;
}

export interface InternalState {
  cards: Record<string, CardSecret>;
  webhookSecrets: Record<string, string>;
  /** Deleted objects still answer retrieve with `{ id, object, deleted: true }`. */
  deleted: Record<string, string>;
  /** Intents whose 3DS challenge was completed (manual confirmation then skips it). */
  authenticated: Record<string, boolean>;
}

const SNAPSHOT_FILE = 'stripe-simulator.json';
const SNAPSHOT_VERSION = 1;

/**
 * All simulator state, in memory. Each collection is a Map in insertion order, so "newest first"
 * is reverse iteration (objects created in the same second keep their order).
 */
export class Store {
  collections = emptyCollections();
  internal: InternalState = emptyInternal();
  /** Extra state other modules persist with the snapshot (idempotency keys), by name. */
  private sources: Record<string, { toJSON(): unknown; load(saved: unknown): void }> = {};
  private loadedExtras: Record<string, unknown> = {};
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;

  constructor(
    private readonly dataDir?: string,
    private readonly debounceMs = 100,
  ) {}

  get<T extends StripeObject>(collection: CollectionName, id: string): T | undefined {
    return this.collections[collection].get(id) as T | undefined;
  }

  put<T extends StripeObject>(collection: CollectionName, obj: T): T {
    this.collections[collection].set(obj.id, obj);
    this.changed();
    return obj;
  }

  remove(collection: CollectionName, id: string): void {
    const obj = this.collections[collection].get(id);
    if (!obj) return;
    this.collections[collection].delete(id);
    this.internal.deleted[id] = obj.object;
    this.changed();
  }

  /** Newest first, like every Stripe list. */
  newestFirst<T extends StripeObject>(collection: CollectionName): T[] {
    return [...this.collections[collection].values()].reverse() as T[];
  }

  /** Persists another module's state with the snapshot (and restores it if already loaded). */
  register(name: string, source: { toJSON(): unknown; load(saved: unknown): void }): void {
    this.sources[name] = source;
    if (name in this.loadedExtras) source.load(this.loadedExtras[name]);
  }

  reset(): void {
    this.collections = emptyCollections();
    this.internal = emptyInternal();
    this.changed();
  }

  /** Marks the state dirty; the snapshot is written shortly after, off the request path. */
  changed(): void {
    if (!this.dataDir || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.debounceMs);
    this.timer.unref();
  }

  load(): void {
    if (!this.dataDir) return;
    mkdirSync(this.dataDir, { recursive: true });
    let text: string;
    try {
      text = readFileSync(join(this.dataDir, SNAPSHOT_FILE), 'utf8');
    } catch {
      return; // first start
    }
    const snapshot = JSON.parse(text) as Snapshot;
    if (snapshot.version !== SNAPSHOT_VERSION) return;
    for (const name of COLLECTIONS) {
      for (const obj of snapshot.collections[name] ?? []) this.collections[name].set(obj.id, obj);
    }
    this.internal = { ...emptyInternal(), ...snapshot.internal };
    this.loadedExtras = snapshot.extras ?? {};
    for (const [name, source] of Object.entries(this.sources)) {
      if (name in this.loadedExtras) source.load(this.loadedExtras[name]);
    }
  }

  /** Writes the snapshot now (atomically: temp file, then rename). */
  async flush(): Promise<void> {
    if (!this.dataDir) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // Serialise writes so an older snapshot never overwrites a newer one.
    const previous = this.writing ?? Promise.resolve();
    const dir = this.dataDir;
    const text = this.serialize();
    this.writing = previous.then(async () => {
      const tmp = join(dir, `${SNAPSHOT_FILE}.tmp`);
      await writeFile(tmp, text);
      await rename(tmp, join(dir, SNAPSHOT_FILE));
    });
    await this.writing;
  }

  private serialize(): string {
    const collections: Partial<Record<CollectionName, StripeObject[]>> = {};
    for (const name of COLLECTIONS) collections[name] = [...this.collections[name].values()];
    const snapshot: Snapshot = {
      version: SNAPSHOT_VERSION,
      collections,
      internal: this.internal,
      extras: Object.fromEntries(Object.entries(this.sources).map(([k, s]) => [k, s.toJSON()])),
    };
    return JSON.stringify(snapshot);
  }
}

interface Snapshot {
  version: number;
  collections: Partial<Record<CollectionName, StripeObject[]>>;
  internal: InternalState;
  extras?: Record<string, unknown>;
}

function emptyCollections(): Record<CollectionName, Map<string, StripeObject>> {
  return Object.fromEntries(COLLECTIONS.map((name) => [name, new Map()])) as Record<
    CollectionName,
    Map<string, StripeObject>
  >;
}

function emptyInternal(): InternalState {
  return { cards: {}, webhookSecrets: {}, deleted: {}, authenticated: {} };
}
