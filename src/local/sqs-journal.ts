import fs from 'node:fs/promises';
import path from 'node:path';

/** A message as fauxqs keeps it (its SqsMessage): stored whole so that a restart restores it exactly. */
export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, unknown>;
  md5OfMessageAttributes: string;
  sentTimestamp: number;
  approximateReceiveCount: number;
  approximateFirstReceiveTimestamp?: number;
  delayUntil?: number;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  sequenceNumber?: string;
}

/** A queue without its URL: the URL carries the port, which changes on every start. */
export interface QueueDefinition {
  name: string;
  arn: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

/**
 * One durable change. A message id lives in one queue at a time: a `put` of a known id into
 * another queue is a move (the redrive policy moving a message to its DLQ).
 */
export type JournalRecord =
  | { op: 'queue'; queue: QueueDefinition }
  | { op: 'dropQueue'; name: string }
  | { op: 'purge'; name: string }
  | { op: 'put'; queue: string; message: StoredMessage }
  | { op: 'received'; id: string; count: number; firstReceived?: number }
  | { op: 'delete'; id: string };

export interface QueuesState {
  queues: Map<string, QueueDefinition>;
  /** By message id, in the order the messages were first sent. */
  messages: Map<string, { queue: string; message: StoredMessage }>;
}

export function emptyState(): QueuesState {
  return { queues: new Map(), messages: new Map() };
}

function dropMessagesOf(state: QueuesState, queue: string): void {
  for (const [id, entry] of state.messages) if (entry.queue === queue) state.messages.delete(id);
}

export function applyRecord(state: QueuesState, record: JournalRecord): void {
  switch (record.op) {
    case 'queue':
      state.queues.set(record.queue.name, record.queue);
      return;
    case 'dropQueue':
      state.queues.delete(record.name);
      dropMessagesOf(state, record.name);
      return;
    case 'purge':
      dropMessagesOf(state, record.name);
      return;
    case 'put':
      state.messages.set(record.message.messageId, { queue: record.queue, message: record.message });
      return;
    case 'received': {
      const entry = state.messages.get(record.id);
      if (!entry) return;
      entry.message.approximateReceiveCount = record.count;
      if (record.firstReceived !== undefined) entry.message.approximateFirstReceiveTimestamp = record.firstReceived;
      return;
    }
    case 'delete':
      state.messages.delete(record.id);
      return;
  }
}

/**
 * The state a journal describes. A last line without its newline is a write the crash cut short:
 * its request was never answered, so it is dropped. Any other unreadable line is corruption.
 */
export function replayJournal(text: string, file = 'journal'): QueuesState {
  const state = emptyState();
  const lines = text.split('\n');
  // What follows the last newline is empty, or the torn write.
  lines.pop();
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      throw new Error(`${file}: line ${i + 1} is not a journal record; move the file away to start with empty queues`);
    }
    applyRecord(state, record);
  }
  return state;
}

const encode = (records: JournalRecord[]) => records.map((record) => `${JSON.stringify(record)}\n`).join('');

/** Rewrite the journal from the current state once appends exceed this and the last rewrite's size. */
const COMPACT_AFTER_BYTES = 4 * 1024 * 1024;

/**
 * An append-only file of JournalRecords with group commit: append() is synchronous (called where
 * fauxqs changes its state), flush() resolves once everything appended so far is on disk
 * (fdatasync). One write serves every request waiting at that moment.
 */
export class SqsJournal {
  readonly #file: string;
  readonly #snapshot: () => JournalRecord[];
  #handle: fs.FileHandle | undefined;
  #pending: string[] = [];
  #appended = 0;
  #durable = 0;
  #writing: Promise<void> | undefined;
  #failure: unknown;
  #bytesSinceRewrite = 0;
  #rewrittenBytes = 0;
  #closed = false;

  /** snapshot: the records that recreate the current state (used to compact the file). */
  private constructor(file: string, snapshot: () => JournalRecord[]) {
    this.#file = file;
    this.#snapshot = snapshot;
  }

  /** Reads what the file describes (empty if there is none). */
  static async read(file: string): Promise<QueuesState> {
    try {
      return replayJournal(await fs.readFile(file, 'utf8'), file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw error;
    }
  }

  /** Starts a fresh file holding the snapshot, then accepts appends. */
  static async open(file: string, snapshot: () => JournalRecord[]): Promise<SqsJournal> {
    const journal = new SqsJournal(file, snapshot);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await journal.#rewrite();
    return journal;
  }

  append(record: JournalRecord): void {
    // After close (a long poll answered while the server stops) the change is in-flight state
    // at most, which a restart makes visible again anyway.
    if (this.#closed) return;
    this.#pending.push(`${JSON.stringify(record)}\n`);
    this.#appended++;
  }

  async flush(): Promise<void> {
    const target = this.#appended;
    while (this.#durable < target) {
      if (this.#failure) throw this.#failure;
      if (!this.#writing) {
        this.#writing = this.#writeBatch().finally(() => (this.#writing = undefined));
      }
      await this.#writing.catch(() => undefined);
    }
    if (this.#failure) throw this.#failure;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.#closed = true;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async #writeBatch(): Promise<void> {
    try {
      if (this.#bytesSinceRewrite > COMPACT_AFTER_BYTES && this.#bytesSinceRewrite > this.#rewrittenBytes) {
        await this.#rewrite();
        return;
      }
      const covered = this.#appended;
      const batch = this.#pending.join('');
      this.#pending = [];
      await this.#handle!.write(batch);
      await this.#handle!.datasync();
      this.#bytesSinceRewrite += Buffer.byteLength(batch);
      this.#durable = covered;
    } catch (error) {
      // What was appended is in memory but maybe not on disk: refuse every later answer rather
      // than acknowledge a change a crash could lose.
      this.#failure = error;
    }
  }

  /** Replaces the file atomically (temp file, fdatasync, rename, directory fsync) by the snapshot. */
  async #rewrite(): Promise<void> {
    // The snapshot already holds every pending change: they are all covered by this write.
    const covered = this.#appended;
    const text = encode(this.#snapshot());
    this.#pending = [];
    const temp = `${this.#file}.tmp`;
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, this.#file);
    const directory = await fs.open(path.dirname(this.#file), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    await this.#handle?.close();
    this.#handle = await fs.open(this.#file, 'a');
    this.#rewrittenBytes = Buffer.byteLength(text);
    this.#bytesSinceRewrite = 0;
    this.#durable = covered;
  }
}
