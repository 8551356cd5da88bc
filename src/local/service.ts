import type { Server } from 'node:http';

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

/**
 * A LocalService around a node:http server that `listen` starts on `port`. Stopping also drops
 * idle keep-alive sockets: `close` alone waits for them, and a restart must get the port back at once.
 */
export function httpLocalService(name: LocalService['name'], port: number, listen: () => Promise<Server>): LocalService {
  let server: Server | undefined;
  return {
    name,
    endpoint: `http://127.0.0.1:${port}`,
    get running() {
      return server !== undefined;
    },
    async start() {
      if (server) return;
      server = await listen();
    },
    async stop() {
      const instance = server;
      server = undefined;
      if (!instance) return;
      await new Promise<void>((resolve) => {
        instance.close(() => resolve());
        instance.closeAllConnections();
      });
    },
  };
}
