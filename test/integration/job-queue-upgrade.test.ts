// The upgrade from pg-boss 10 (src/jobs/pg-boss-10-upgrade.ts): a schema pg-boss 10 left behind
// is set aside, its waiting jobs land in the pg-boss 12 queues under their own ids, and it is
// dropped. The old schema here is built by hand with the columns the upgrade reads (checked once
// by hand against a schema made by pg-boss 10.4.2 itself).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import { startJobQueue, type JobDefinition } from '../../src/jobs/queue.ts';

const schema = `pgboss_upgrade_${process.pid}_${Date.now()}`;
const queueName = 'test.upgraded';
const noop: JobDefinition = { name: queueName, handler: async () => {} };
let admin: pg.Client;

async function start() {
  return startJobQueue({
    connectionString: inject('databaseUrl'),
    jobs: [noop] as JobDefinition<never>[],
    work: false,
    logger: pino({ level: 'silent' }),
    schema,
  });
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
});
afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}_v10" CASCADE`);
  await admin.end();
});

describe('the upgrade from pg-boss 10', () => {
  it('when a pg-boss 10 schema holds waiting jobs, then they move to pg-boss 12 with their ids and the old schema is dropped', async () => {
    const later = new Date(Date.now() + 3_600_000);
    const waiting = { id: randomUUID(), data: { n: 1 } };
    const deferred = { id: randomUUID(), data: { n: 2 } };
    await admin.query(`
      CREATE SCHEMA "${schema}";
      CREATE TABLE "${schema}".version (version int);
      INSERT INTO "${schema}".version VALUES (24);
      CREATE TABLE "${schema}".job (
        id uuid PRIMARY KEY, name text, data jsonb, state text,
        start_after timestamptz NOT NULL DEFAULT now(), singleton_key text,
        created_on timestamptz NOT NULL DEFAULT now())`);
    const insert = `INSERT INTO "${schema}".job (id, name, data, state, start_after, singleton_key)
      VALUES ($1, $2, $3, $4, $5, $6)`;
    await admin.query(insert, [waiting.id, queueName, waiting.data, 'created', new Date(), null]);
    await admin.query(insert, [deferred.id, queueName, deferred.data, 'retry', later, 'key-2']);
    await admin.query(insert, [randomUUID(), queueName, { n: 3 }, 'completed', new Date(), null]);
    await admin.query(insert, [
      randomUUID(),
      'test.removed',
      { n: 4 },
      'created',
      new Date(),
      null,
    ]);

    const queue = await start();
    try {
      const jobs = await queue.boss.findJobs<{ n: number }>(queueName);
      expect(
        jobs
          .map((job) => ({
            id: job.id,
            data: job.data,
            state: job.state,
            singletonKey: job.singletonKey,
          }))
          .sort((a, b) => a.data.n - b.data.n),
      ).toEqual([
        { ...waiting, state: 'created', singletonKey: null },
        { ...deferred, state: 'created', singletonKey: 'key-2' },
      ]);
      expect(jobs.find((job) => job.id === deferred.id)!.startAfter.getTime()).toBe(
        later.getTime(),
      );
    } finally {
      await queue.stop();
    }
    const { rows } = await admin.query<{ nspname: string }>(
      'SELECT nspname FROM pg_namespace WHERE nspname = $1',
      [`${schema}_v10`],
    );
    expect(rows).toEqual([]);
  });

  it('when pg-boss 12 starts on its own schema again, then nothing is set aside or moved twice', async () => {
    const queue = await start();
    try {
      expect(await queue.boss.findJobs(queueName)).toHaveLength(2);
    } finally {
      await queue.stop();
    }
  });
});
