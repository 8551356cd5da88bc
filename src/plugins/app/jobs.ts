import type { SQSClient } from '@aws-sdk/client-sqs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../../config.js';
import { ConsumerPool } from '../../jobs/consumer-pool.js';
import { JobQueue } from '../../jobs/job-queue.js';
import { JobRegistry } from '../../jobs/registry.js';

export interface JobsPluginOptions {
  sqs: SQSClient;
  queueUrl: string;
  workers: AppConfig['workers'];
  /** How long closing waits for in-flight jobs before aborting their signals (default 30 s). */
  stopTimeoutMs?: number;
  /** Base of the retry backoff (default RETRY_BASE_MS, src/jobs/queue-policy.ts); tests shorten it. */
  retryBaseMs?: number;
}

export interface Jobs {
  registry: JobRegistry;
  enqueue: JobQueue['enqueue'];
  enqueueBatch: JobQueue['enqueueBatch'];
  pool: ConsumerPool;
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: Jobs;
  }
}

/**
 * Job queue producer and consumers. Features register handlers on `app.jobs.registry` while the app
 * is being built; the workers start once the app is ready, so no message arrives before its handler.
 */
export default fp(
  async function jobs(app: FastifyInstance, options: JobsPluginOptions) {
    const registry = new JobRegistry();
    const queue = new JobQueue({ sqs: options.sqs, queueUrl: options.queueUrl, registry });
    const pool = new ConsumerPool({
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      registry,
      log: app.log.child({ component: 'jobs' }),
      concurrency: options.workers.concurrency,
      waitSeconds: options.workers.waitSeconds,
      visibilitySeconds: options.workers.visibilitySeconds,
      stopTimeoutMs: options.stopTimeoutMs,
      retryBaseMs: options.retryBaseMs,
    });

    app.decorate('jobs', { registry, enqueue: queue.enqueue, enqueueBatch: queue.enqueueBatch, pool } satisfies Jobs);

    app.addHook('onReady', (done) => {
      pool.start();
      done();
    });
    // onClose runs after in-flight HTTP requests have finished (none can enqueue any more); jobs
    // still running finish here, before whoever owns the SQS client destroys it.
    app.addHook('onClose', async () => {
      await pool.stop();
    });
  },
  { name: 'jobs' },
);
