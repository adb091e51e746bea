// Group commit (ADR 037): writes that arrive while enough commits are already running wait, and
// go together into the next one. Each caller's promise settles only after the commit that holds
// its item, so an acknowledgement still means "durably stored". Under light load every item is
// committed alone at once (no added wait); under load one commit carries many, which is what lets
// a writer outrun the disk's flushes per second and the per-transaction round trips.
//
// Nothing is shared between processes: every instance groups its own callers, so adding
// instances adds commits in parallel rather than queueing behind one.

export interface GroupCommitOptions<T, R> {
  /** Commits these items in one transaction; answers one result per item, in order. */
  commit(items: T[]): Promise<R[]>;
  /** Commits running at once before items start to wait (and so to group). */
  maxInFlight: number;
  /** Items in one commit at most. */
  maxBatch: number;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class GroupCommit<T, R> {
  private waiting: Array<Waiting<T, R>> = [];
  private inFlight = 0;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  /** Resolves with the item's result once the commit holding it has committed. */
  submit(item: T): Promise<R> {
    const committed = new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
    });
    this.startCommits();
    return committed;
  }

  private startCommits(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.commitBatch(batch).finally(() => {
        this.inFlight--;
        this.startCommits();
      });
    }
  }

  private async commitBatch(batch: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.options.commit(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One item the database refuses must not fail the others with it: each is committed on its
      // own, and only the ones that fail alone are refused.
      await Promise.all(
        batch.map(async (w) => {
          try {
            const [result] = await this.options.commit([w.item]);
            w.resolve(result!);
          } catch (alone) {
            w.reject(alone);
          }
        }),
      );
    }
  }
}
