/**
 * Retry policy of the job queue, shared by the consumer pool and sst.config.ts's redrive policy.
 *
 * A failed job comes back after RETRY_BASE_MS * 2^(receive - 1), at most RETRY_MAX_SECONDS: 5, 10, 20, 40 and
 * 80 s, 155 s in all before the last receive, so a transient outage of a minute or two (S3, DynamoDB or
 * EventBridge unreachable) is ridden out before a job reaches the dead-letter queue. A job that still fails is
 * not lost: the DLQ keeps it 14 days, and the photo reconciliation sweep re-enqueues photos left processing.
 */
/** A job that failed this many times moves to the dead-letter queue (SQS redrive policy). */
export const MAX_RECEIVES = 6;
export const RETRY_BASE_MS = 5000;
/** Far below SQS's 12-hour visibility maximum; one retry never waits more than this. */
export const RETRY_MAX_SECONDS = 300;
