import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JournalRecord, QueueDefinition, QueuesState, SqsJournal, StoredMessage } from './sqs-journal.js';

/** What this module uses of fauxqs 1.9.2's SqsQueue (dist/sqs/sqsStore.js). */
interface FauxqsQueue {
  readonly name: string;
  readonly arn: string;
  attributes: Record<string, string>;
  tags: Map<string, string>;
  inflightMessages: Map<string, { message: StoredMessage }>;
  enqueue(message: StoredMessage): void;
  dequeue(maxCount: number, visibilityTimeout?: number, dlqResolver?: unknown): { ReceiptHandle: string }[];
  deleteMessage(receiptHandle: string): boolean;
  purge(): void;
  setAttributes(attributes: Record<string, string>): void;
  inspectMessages(): { ready: StoredMessage[]; delayed: StoredMessage[]; inflight: { message: StoredMessage }[] };
}

/** What this module uses of fauxqs 1.9.2's SqsStore, which buildApp() accepts as `stores.sqsStore`. */
export interface FauxqsStore {
  createQueue(name: string, url: string, arn: string, attributes?: Record<string, string>, tags?: Record<string, string>): FauxqsQueue;
  deleteQueue(url: string): boolean;
  getQueue(url: string): FauxqsQueue | undefined;
  getQueueByName(name: string): FauxqsQueue | undefined;
  listQueues(): FauxqsQueue[];
  buildQueueUrl(name: string, port: string, requestHost: string, region: string): string;
}

export interface FauxqsStoreClass {
  new (): FauxqsStore;
  createMessage(body: string, messageAttributes?: Record<string, unknown>): StoredMessage;
}

/**
 * fauxqs's package exports only its app; its store class is loaded from the same package folder
 * (version pinned), so that buildApp() runs on a store whose changes can be journaled.
 */
export async function loadFauxqsStore(): Promise<FauxqsStoreClass> {
  const folder = (require.resolve.paths('fauxqs') ?? [])
    .map((modules) => path.join(modules, 'fauxqs'))
    .find((candidate) => existsSync(path.join(candidate, 'package.json')));
  if (!folder) throw new Error('fauxqs is not installed');
  const module = (await import(pathToFileURL(path.join(folder, 'dist/sqs/sqsStore.js')).href)) as { SqsStore?: FauxqsStoreClass };
  if (!module.SqsStore) throw new Error('fauxqs has no SqsStore in dist/sqs/sqsStore.js (a version other than 1.9.2?)');
  return module.SqsStore;
}

function definitionOf(queue: FauxqsQueue): QueueDefinition {
  return { name: queue.name, arn: queue.arn, attributes: { ...queue.attributes }, tags: Object.fromEntries(queue.tags) };
}

/** Records that recreate the store as it is (in-flight messages count as visible: at-least-once). */
export function stateRecords(store: FauxqsStore): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (const queue of store.listQueues()) {
    records.push({ op: 'queue', queue: definitionOf(queue) });
    const { ready, delayed, inflight } = queue.inspectMessages();
    for (const message of [...inflight.map((entry) => entry.message), ...ready, ...delayed]) {
      records.push({ op: 'put', queue: queue.name, message });
    }
  }
  return records;
}

/**
 * Puts the journaled queues and messages into a fresh store. URLs are rebuilt for this run's port;
 * delayed messages keep their due time, receive counts are kept (the redrive policy still applies).
 */
export function restoreQueues(store: FauxqsStore, state: QueuesState, port: number): void {
  for (const queue of state.queues.values()) {
    const region = queue.arn.split(':')[3]!;
    const url = store.buildQueueUrl(queue.name, String(port), `127.0.0.1:${port}`, region);
    store.createQueue(queue.name, url, queue.arn, queue.attributes, queue.tags);
  }
  for (const { queue, message } of state.messages.values()) store.getQueueByName(queue)?.enqueue(message);
}

/**
 * Appends every durable change fauxqs makes to the journal, at the moment it makes it. fauxqs has
 * no hooks, and creates its queue objects itself, so the methods that change them are wrapped on
 * each instance. Moving an in-flight message back to visible is not recorded: a restart does that.
 */
export function recordChanges(store: FauxqsStore, journal: SqsJournal): void {
  const watch = (queue: FauxqsQueue) => {
    const { enqueue, dequeue, deleteMessage, purge, setAttributes } = queue;
    // Sends, and the redrive policy's moves into this queue.
    queue.enqueue = (message) => {
      enqueue.call(queue, message);
      journal.append({ op: 'put', queue: queue.name, message });
    };
    queue.dequeue = (...args) => {
      const received = dequeue.apply(queue, args);
      for (const { ReceiptHandle } of received) {
        const message = queue.inflightMessages.get(ReceiptHandle)?.message;
        if (!message) continue;
        const { messageId: id, approximateReceiveCount: count, approximateFirstReceiveTimestamp: firstReceived } = message;
        journal.append({ op: 'received', id, count, firstReceived });
      }
      return received;
    };
    queue.deleteMessage = (receiptHandle) => {
      const message = queue.inflightMessages.get(receiptHandle)?.message;
      const deleted = deleteMessage.call(queue, receiptHandle);
      if (deleted && message) journal.append({ op: 'delete', id: message.messageId });
      return deleted;
    };
    queue.purge = () => {
      purge.call(queue);
      journal.append({ op: 'purge', name: queue.name });
    };
    queue.setAttributes = (attributes) => {
      setAttributes.call(queue, attributes);
      journal.append({ op: 'queue', queue: definitionOf(queue) });
    };
  };
  for (const queue of store.listQueues()) watch(queue);

  const { createQueue, deleteQueue } = store;
  store.createQueue = (...args) => {
    const queue = createQueue.apply(store, args);
    watch(queue);
    journal.append({ op: 'queue', queue: definitionOf(queue) });
    return queue;
  };
  store.deleteQueue = (url) => {
    const queue = store.getQueue(url);
    const deleted = deleteQueue.call(store, url);
    if (deleted && queue) journal.append({ op: 'dropQueue', name: queue.name });
    return deleted;
  };
}
