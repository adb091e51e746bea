// The group commit under webhook intake (ADR 037): what waits, what goes together, and that
// nobody hears "stored" before the commit holding their item has finished.
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/lib/group-commit.ts';

/** A commit the test finishes by hand: records each group it was given. */
function handCommits(fail: (items: string[]) => boolean = () => false) {
  const groups: string[][] = [];
  const pending: Array<() => void> = [];
  const commit = (items: string[]) => {
    groups.push(items);
    return new Promise<string[]>((resolve, reject) => {
      pending.push(() =>
        fail(items) ? reject(new Error(`refused ${items}`)) : resolve(items.map((i) => `ok ${i}`)),
      );
    });
  };
  /** Finishes every commit started so far, then lets the group commit start the next ones. */
  const finishAll = async () => {
    for (const finish of pending.splice(0)) finish();
    await new Promise((r) => setImmediate(r));
  };
  return { groups, commit, finishAll, running: () => pending.length };
}

const settled = (promise: Promise<unknown>) => {
  const state = { done: false };
  void promise.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
};

describe('group commit', () => {
  it('when nothing else is committing, then an item is committed alone at once', async () => {
    const commits = handCommits();
    const group = new GroupCommit({ commit: commits.commit, maxInFlight: 2, maxBatch: 10 });
    const result = group.submit('a');
    expect(commits.groups).toEqual([['a']]);
    await commits.finishAll();
    expect(await result).toBe('ok a');
  });

  it('when items arrive while every commit slot is busy, then they wait and go together into the next commit, each answered with its own result', async () => {
    const commits = handCommits();
    const group = new GroupCommit({ commit: commits.commit, maxInFlight: 1, maxBatch: 10 });
    const first = group.submit('a');
    const later = ['b', 'c', 'd'].map((item) => group.submit(item));
    expect(commits.groups).toEqual([['a']]);
    const laterSettled = later.map(settled);

    await commits.finishAll();
    expect(await first).toBe('ok a');
    expect(commits.groups).toEqual([['a'], ['b', 'c', 'd']]);
    // Not answered before the commit that holds them has finished.
    expect(laterSettled.map((s) => s.done)).toEqual([false, false, false]);
    await commits.finishAll();
    expect(await Promise.all(later)).toEqual(['ok b', 'ok c', 'ok d']);
  });

  it('when more items wait than one commit takes, then they are split into commits of at most maxBatch', async () => {
    const commits = handCommits();
    const group = new GroupCommit({ commit: commits.commit, maxInFlight: 2, maxBatch: 2 });
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((item) => group.submit(item));
    expect(commits.groups).toEqual([['a'], ['b']]);
    await commits.finishAll();
    expect(commits.groups).toEqual([['a'], ['b'], ['c', 'd'], ['e', 'f']]);
    await commits.finishAll();
    await commits.finishAll();
    expect(commits.groups.at(-1)).toEqual(['g']);
    expect(await Promise.all(all)).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((i) => `ok ${i}`),
    );
  });

  it('when the database refuses a group because of one item, then each item is committed alone and only that one is refused', async () => {
    const commits = handCommits((items) => items.includes('bad'));
    const group = new GroupCommit({ commit: commits.commit, maxInFlight: 1, maxBatch: 10 });
    const first = group.submit('a');
    const rest = Promise.allSettled(['b', 'bad', 'c'].map((item) => group.submit(item)));
    await commits.finishAll(); // 'a'
    await commits.finishAll(); // the group of three fails; each is retried alone
    await commits.finishAll();
    expect(commits.groups).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
    expect(await first).toBe('ok a');
    const outcomes = await rest;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('refused bad');
  });

  it('when an item alone is refused, then its caller gets the error and the next items still commit', async () => {
    const commits = handCommits((items) => items.includes('bad'));
    const group = new GroupCommit({ commit: commits.commit, maxInFlight: 1, maxBatch: 10 });
    const bad = group.submit('bad').catch((err: Error) => err);
    const next = group.submit('a');
    await commits.finishAll();
    expect(await bad).toEqual(new Error('refused bad'));
    await commits.finishAll();
    expect(await next).toBe('ok a');
    expect(commits.running()).toBe(0);
  });
});
