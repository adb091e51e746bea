// The job queue: pg-boss on the application's own PostgreSQL (no extra server). Components
// describe their jobs as JobDefinitions; the server process (RUN_WORKERS=true) or a separate
// `npm run worker` process works them. Every handler must be safe to run twice.
import { PgBoss, type InsertOptions, type Job, type JobInsert, type SendOptions } from 'pg-boss';
import type { DbOrTx } from '../db/client.ts';
import { jobConnectionOf } from '../db/job-connection.ts';
import type { Logger } from 'pino';
import { metrics, watchPool } from '../lib/metrics.ts';
import { failActiveSpan, SpanKind, withSpan } from '../lib/tracing.ts';
import { isDatabaseUnavailable } from '../db/client.ts';
import { moveVersion10Jobs, setAsideVersion10Schema } from './pg-boss-10-upgrade.ts';

/** pg-boss's tables live in this schema of the application's database. */
export const JOB_SCHEMA = 'pgboss';

/** How many times pg-boss retries a failed job whose definition sets no retryLimit. */
export const DEFAULT_RETRY_LIMIT = 5;

/**
 * Jobs one worker fetches at once when a definition does not say. pg-boss fetches again only
 * after its polling interval unless the last fetch came back full (`burstWhenBatchFull`), so at
 * one job a fetch a queue drained one job a second: receipts and merchant deliveries fell behind
 * any load above that. Items of a batch still run one after another unless `concurrency` says.
 */
export const DEFAULT_BATCH_SIZE = 10;

/** How often a working process samples queue depths for the queue_depth gauge. */
const QUEUE_DEPTH_INTERVAL_MS = 15_000;

export interface JobDefinition<T extends object = object> {
  name: string;
  /** Cron expression (UTC) for scheduled jobs. */
  schedule?: string;
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** How many jobs of this queue one worker fetches at once (DEFAULT_BATCH_SIZE). */
  batchSize?: number;
  /** How many of a fetched batch run at the same time (default 1: one after another). */
  concurrency?: number;
  handler: (data: T, meta: { id: string; retryCount: number }) => Promise<void>;
}

export interface JobQueue {
  boss: PgBoss;
  send<T extends object>(name: string, data: T, options?: SendOptions): Promise<string | null>;
  /** Many jobs of one queue in one statement (pg-boss `insert`), with the queue's own options. */
  sendMany(name: string, jobs: JobInsert[], options?: InsertOptions): Promise<void>;
  /** Resolves when the queue can take jobs: started, not stopping, its pool reaches the database. */
  ping(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts pg-boss, creates queues and schedules; works them when `work` is true. */
export async function startJobQueue(options: {
  connectionString: string;
  jobs: JobDefinition<never>[];
  work: boolean;
  logger: Logger;
  schema?: string;
}): Promise<JobQueue> {
  const schema = options.schema ?? JOB_SCHEMA;
  await setAsideVersion10Schema(options.connectionString, schema, options.logger);
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema,
    max: 4,
    // Only a process that works jobs maintains schedules and archives.
    schedule: options.work,
    supervise: options.work,
  });
  boss.on('error', (err: Error) => options.logger.error({ err }, 'job queue error'));
  // Slow queries, a queue over its warning size, clock skew between instances: worth a look, not
  // an error.
  boss.on('warning', (warning) =>
    options.logger.warn({ data: warning.data }, `job queue: ${warning.message}`),
  );
  await boss.start();

  for (const job of options.jobs) {
    await boss.createQueue(job.name, {
      retryLimit: job.retryLimit ?? DEFAULT_RETRY_LIMIT,
      retryDelay: job.retryDelaySeconds ?? 5,
      retryBackoff: true,
    });
    if (job.schedule) await boss.schedule(job.name, job.schedule, {}, { tz: 'UTC' });
  }
  await moveVersion10Jobs(
    boss,
    options.connectionString,
    schema,
    options.jobs.map((job) => job.name),
    options.logger,
  );

  if (options.work) {
    for (const job of options.jobs) {
      await boss.work<object>(
        job.name,
        {
          batchSize: job.batchSize ?? DEFAULT_BATCH_SIZE,
          pollingIntervalSeconds: 1,
          // A full batch means more are waiting: fetch again at once rather than after a second.
          burstWhenBatchFull: true,
        },
        async (batch) => {
          // Items of a batch run `concurrency` at a time; one failing does not fail its
          // neighbours: it is failed on its own (pg-boss retries it) and the rest complete with
          // the batch.
          // One span per run (ADR 021): its queries, Stripe calls and log lines belong to it.
          const runItem = inJobSpan(job.name, async (item: Job<object>) => {
            const started = Date.now();
            const endTimer = metrics.jobDuration.startTimer({ queue: job.name });
            try {
              await (job.handler as JobDefinition['handler'])(item.data ?? {}, {
                id: item.id,
                retryCount: item.retryCount,
              });
              metrics.jobs.inc({ queue: job.name, outcome: 'completed' });
              options.logger.debug(
                { job: job.name, job_id: item.id, ms: Date.now() - started },
                'job done',
              );
            } catch (err) {
              failActiveSpan(err);
              metrics.jobs.inc({ queue: job.name, outcome: 'failed' });
              options.logger.warn(
                { err, job: job.name, job_id: item.id },
                'job failed; pg-boss will retry',
              );
              // During a database outage this write fails too; the job then expires and is retried.
              // Failing this attempt (id and retryCount), not the id: if the job expired meanwhile
              // and another worker holds its retry, that run is left alone.
              await boss
                .fail(
                  job.name,
                  { id: item.id, retryCount: item.retryCount },
                  { message: (err as Error).message?.slice(0, 500) },
                )
                .catch((failErr: unknown) => {
                  options.logger.warn(
                    { err: failErr, job: job.name, job_id: item.id },
                    'could not mark the job failed',
                  );
                });
            } finally {
              endTimer();
            }
          });
          await mapWithConcurrency(batch, job.concurrency ?? 1, runItem);
        },
      );
    }
  }

  const depthTimer = options.work
    ? setInterval(
        () => void sampleQueueDepths(boss, options.jobs, options.logger),
        QUEUE_DEPTH_INTERVAL_MS,
      )
    : undefined;
  depthTimer?.unref();
  const unwatchPool = watchPool('jobs', () => boss.getDb().poolCounts?.() ?? null);
  let stopping = false;

  return {
    boss,
    send: (name, data, sendOptions) => boss.send(name, data, sendOptions ?? {}),
    async sendMany(name, jobs, insertOptions) {
      await boss.insert(name, jobs, insertOptions ?? {});
    },
    async ping() {
      if (stopping) throw new Error('stopping');
      await boss.getDb().executeSql('SELECT 1');
    },
    stop: () => {
      stopping = true;
      unwatchPool();
      clearInterval(depthTimer);
      // Resolves once running jobs have finished (or the timeout passed) and the pool is closed.
      return boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}

/**
 * pg-boss 10 did not await its own completion writes (manager.js `onFetch`), so during a
 * database outage they rejected with nobody listening, and Node ended the process; this guard
 * stays for pg-boss 12 and for any background write a library leaves unawaited. A process
 * that dies whenever PostgreSQL blinks is worse than one that waits: rejections that say the
 * database is unreachable are logged and survived (the jobs expire and are retried, the sweeper
 * settles payments); any other unhandled rejection is still fatal, as a bug should be.
 */
export function surviveDatabaseOutages(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseUnavailable(reason)) {
      logger.warn({ err: reason }, 'database unreachable in the background; continuing');
      return;
    }
    logger.fatal({ err: reason }, 'unhandled rejection');
    process.exit(1);
  });
}

/**
 * Sets the queue_depth gauge: jobs waiting (created, retrying or deferred) in each queue. pg-boss
 * 12 counts them in its monitor pass (every 60 s), so the gauge lags by up to a minute.
 */
async function sampleQueueDepths(
  boss: PgBoss,
  jobs: JobDefinition<never>[],
  logger: Logger,
): Promise<void> {
  try {
    const queues = await boss.getQueues(jobs.map((job) => job.name));
    for (const queue of queues) metrics.queueDepth.set({ queue: queue.name }, queue.queuedCount);
  } catch (err) {
    logger.debug({ err }, 'queue depth not sampled');
  }
}

/** `run` for one job, inside a span of its own (a no-op without tracing). */
function inJobSpan(
  queue: string,
  run: (item: Job<object>) => Promise<void>,
): (item: Job<object>) => Promise<void> {
  return (item) =>
    withSpan(
      `job ${queue}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'pg-boss',
          'messaging.destination.name': queue,
          'messaging.message.id': item.id,
          'paydeck.job.retry_count': item.retryCount,
        },
      },
      () => run(item),
    );
}

export interface JobSendOptions {
  startAfter?: Date | number;
  singletonKey?: string;
  /** A transaction to insert the job in: it is queued exactly when that transaction commits. */
  within?: DbOrTx;
}

/** One of many jobs sent together. */
export interface ManyJob {
  data: object;
  singletonKey?: string;
}

/** What domain code needs of the queue: to send a job, or many of one queue at once. */
export interface JobSender {
  send(name: string, data: object, options?: JobSendOptions): Promise<void>;
  sendMany(name: string, jobs: ManyJob[], options?: Pick<JobSendOptions, 'within'>): Promise<void>;
}

/**
 * The app is built before the queue starts (and tests build apps without one); domain services
 * get this sender, which forwards to the queue once attached. A job sent with no queue attached
 * is only logged: every job Paydeck sends is also found later by a scheduled sweep (e.g. the
 * reconciler picks up payments left in `unknown`), so nothing depends on the send alone.
 */
export class LateBoundJobSender implements JobSender {
  private queue: JobQueue | undefined;
  /**
   * The machine's time (ms) for a `startAfter` given on the app's clock: they differ once the
   * clock has travelled in simulated mode (ADR 031), and pg-boss compares with the database's.
   */
  realTimeOf: (at: number) => number = (at) => at;
  constructor(private readonly onDrop: (name: string) => void = () => {}) {}

  attach(queue: JobQueue): void {
    this.queue = queue;
  }

  async send(name: string, data: object, options: JobSendOptions = {}) {
    if (!this.queue) return this.onDrop(name);
    await this.queue.send(name, data, {
      ...(options.startAfter !== undefined
        ? {
            startAfter:
              options.startAfter instanceof Date
                ? new Date(this.realTimeOf(options.startAfter.getTime()))
                : options.startAfter,
          }
        : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      ...(options.within ? { db: jobConnectionOf(options.within) } : {}),
    });
  }

  async sendMany(name: string, jobs: ManyJob[], options: Pick<JobSendOptions, 'within'> = {}) {
    if (!this.queue) return jobs.forEach(() => this.onDrop(name));
    await this.queue.sendMany(
      name,
      jobs.map((job) => ({
        data: job.data,
        ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
      })),
      options.within ? { db: jobConnectionOf(options.within) } : {},
    );
  }
}

async function mapWithConcurrency<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}
