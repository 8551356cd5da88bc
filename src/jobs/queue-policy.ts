/** A job that failed this many times moves to the dead-letter queue (SQS redrive policy). */
export const MAX_RECEIVES = 5;
