/** One emulator of the local stack: stoppable and restartable on the same port (readiness tests use this). */
export interface LocalService {
  readonly name: 's3' | 'dynamodb' | 'sqs' | 'ses' | 'cognito' | 'eventbridge';
  readonly endpoint: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The credentials every local emulator accepts (the local S3 server verifies signatures with them). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
