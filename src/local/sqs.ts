import fs from 'node:fs/promises';
import path from 'node:path';
import type { LocalService } from './service.js';
import { SqsJournal } from './sqs-journal.js';
import { loadFauxqsStore, recordChanges, restoreQueues, stateRecords, type FauxqsStore, type FauxqsStoreClass } from './sqs-store.js';

/**
 * SQS via fauxqs, which keeps queues in memory, made durable like SQS: every change a call makes
 * (send, delete, receive count, redrive to the DLQ, purge, queue create/update/delete) is appended
 * to <directory>/journal.jsonl and fdatasync'ed before the call is answered, so a crash loses no
 * acknowledged message. A start replays the journal; messages in flight at the crash come back
 * visible (at-least-once, as SQS would after their visibility timeout).
 */
export function localSqs(options: {
  port: number;
  directory: string;
  /** Creates or updates the app's queues (restored queues keep their messages). */
  provision: () => Promise<void>;
}): LocalService {
  let close: (() => Promise<void>) | undefined;
  const endpoint = `http://127.0.0.1:${options.port}`;
  const journalFile = path.join(options.directory, 'journal.jsonl');

  return {
    name: 'sqs',
    endpoint,
    get running() {
      return close !== undefined;
    },
    async start() {
      if (close) return;
      const { buildApp } = await import('fauxqs');
      const SqsStore = await loadFauxqsStore();
      const store = new SqsStore();
      restoreQueues(store, await SqsJournal.read(journalFile), options.port);
      const journal = await SqsJournal.open(journalFile, () => stateRecords(store));
      recordChanges(store, journal);

      // fauxqs's own starter binds 0.0.0.0: build its app and listen on loopback. Queue URLs then
      // look like AWS's: http://sqs.<region>.localhost:<port>/<account>/<name>.
      const stores = { sqsStore: store } as unknown as NonNullable<Parameters<typeof buildApp>[0]>['stores'];
      const app = buildApp({ logger: false, stores });
      // onSend runs before the answer is written: what the call changed is on disk by then.
      app.addHook('onSend', async (_request, _reply, payload) => {
        await journal.flush();
        return payload;
      });
      try {
        await app.listen({ port: options.port, host: '127.0.0.1' });
      } catch (error) {
        await journal.close();
        throw error;
      }
      close = async () => {
        await app.close();
        await journal.close();
      };
      await options.provision();
      await importSavedMessages(store, SqsStore, options.directory, journal);
    },
    async stop() {
      const closing = close;
      close = undefined;
      await closing?.();
    },
  };
}

/**
 * Earlier versions saved the queues only on a clean stop, to messages.json: those messages are
 * sent once more (journaled), then the file goes.
 */
async function importSavedMessages(store: FauxqsStore, SqsStore: FauxqsStoreClass, directory: string, journal: SqsJournal): Promise<void> {
  const file = path.join(directory, 'messages.json');
  let saved: { name: string; messages: { body: string; messageAttributes: Record<string, unknown> }[] }[];
  try {
    saved = JSON.parse(await fs.readFile(file, 'utf8')) as typeof saved;
  } catch {
    return;
  }
  for (const queue of saved) {
    for (const message of queue.messages) {
      store.getQueueByName(queue.name)?.enqueue(SqsStore.createMessage(message.body, message.messageAttributes));
    }
  }
  await journal.flush();
  await fs.rm(file);
}
