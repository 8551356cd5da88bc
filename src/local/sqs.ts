import fs from 'node:fs/promises';
import path from 'node:path';
import type { LocalService } from './service.js';

interface SavedMessage {
  body: string;
  messageAttributes: Record<string, unknown>;
}

interface QueueSnapshot {
  name: string;
  messages: SavedMessage[];
}

/**
 * SQS via fauxqs, which keeps messages in memory only. To keep jobs across restarts the
 * messages of each queue (in flight included: they were never deleted) are written to disk
 * on stop and put back on start, which is SQS's at-least-once promise, not a duplicate.
 */
export function localSqs(options: {
  port: number;
  directory: string;
  queueNames: () => string[];
  /** Creates the queues and re-sends saved messages: a fresh fauxqs knows no queues. */
  provision: () => Promise<void>;
}): LocalService {
  let server: { close(): Promise<void> } | undefined;
  const endpoint = `http://127.0.0.1:${options.port}`;
  const snapshotFile = path.join(options.directory, 'messages.json');

  return {
    name: 'sqs',
    endpoint,
    get running() {
      return server !== undefined;
    },
    async start() {
      if (server) return;
      // fauxqs is ESM-only, and its own starter binds 0.0.0.0: build its app and listen on loopback.
      // Queue URLs then look like AWS's: http://sqs.<region>.localhost:<port>/<account>/<name>.
      const { buildApp } = await import('fauxqs');
      const app = buildApp({ logger: false });
      await app.listen({ port: options.port, host: '127.0.0.1' });
      server = app;
      await options.provision();
    },
    async stop() {
      const instance = server;
      server = undefined;
      if (!instance) return;
      const snapshot: QueueSnapshot[] = [];
      for (const name of options.queueNames()) {
        const response = await fetch(`${endpoint}/_fauxqs/queues/${name}`);
        if (!response.ok) continue;
        const queue = (await response.json()) as { messages: Record<'ready' | 'delayed', SavedMessage[]> & { inflight: { message: SavedMessage }[] } };
        const all = [...queue.messages.ready, ...queue.messages.delayed, ...queue.messages.inflight.map((i) => i.message)];
        snapshot.push({ name, messages: all.map((m) => ({ body: m.body, messageAttributes: m.messageAttributes })) });
      }
      await fs.mkdir(options.directory, { recursive: true });
      await fs.writeFile(snapshotFile, JSON.stringify(snapshot));
      await instance.close();
    },
  };
}

/** Messages saved by the last stop, removed from disk once read (they are about to be re-sent). */
export async function takeSqsSnapshot(directory: string): Promise<QueueSnapshot[]> {
  const file = path.join(directory, 'messages.json');
  try {
    const snapshot = JSON.parse(await fs.readFile(file, 'utf8')) as QueueSnapshot[];
    await fs.rm(file);
    return snapshot;
  } catch {
    return [];
  }
}
