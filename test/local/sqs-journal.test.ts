import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyRecord, emptyState, replayJournal, SqsJournal, type JournalRecord, type QueuesState, type StoredMessage } from '../../src/local/sqs-journal.js';

const message = (id: string, body = `body ${id}`): StoredMessage => ({
  messageId: id,
  body,
  md5OfBody: '',
  messageAttributes: {},
  md5OfMessageAttributes: '',
  sentTimestamp: 1,
  approximateReceiveCount: 0,
});
const queue = (name: string): JournalRecord => ({ op: 'queue', queue: { name, arn: `arn:aws:sqs:us-east-1:000000000000:${name}`, attributes: {}, tags: {} } });
const lines = (records: JournalRecord[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');
const where = (state: QueuesState) => Object.fromEntries([...state.messages].map(([id, entry]) => [id, entry.queue]));

function recordsOf(state: QueuesState): JournalRecord[] {
  return [
    ...[...state.queues.values()].map((q): JournalRecord => ({ op: 'queue', queue: q })),
    ...[...state.messages.values()].map(({ queue: name, message: m }): JournalRecord => ({ op: 'put', queue: name, message: m })),
  ];
}

describe('SQS journal replay', () => {
  it('moves a message put into another queue (redrive), forgets deleted, purged and dropped ones, keeps receive counts', () => {
    const state = replayJournal(
      lines([
        queue('jobs'),
        queue('dlq'),
        queue('scratch'),
        { op: 'put', queue: 'jobs', message: message('a') },
        { op: 'put', queue: 'jobs', message: message('b') },
        { op: 'put', queue: 'jobs', message: message('c') },
        { op: 'put', queue: 'scratch', message: message('s') },
        { op: 'received', id: 'b', count: 2, firstReceived: 5 },
        { op: 'put', queue: 'dlq', message: { ...message('c'), approximateReceiveCount: 6 } },
        { op: 'delete', id: 'a' },
        { op: 'dropQueue', name: 'scratch' },
      ]),
    );
    expect(where(state)).toEqual({ b: 'jobs', c: 'dlq' });
    expect(state.messages.get('b')!.message).toMatchObject({ approximateReceiveCount: 2, approximateFirstReceiveTimestamp: 5 });
    expect([...state.queues.keys()]).toEqual(['jobs', 'dlq']);

    applyRecord(state, { op: 'purge', name: 'jobs' });
    expect(where(state)).toEqual({ c: 'dlq' });
  });

  it('drops a last line cut short by a crash (never acknowledged), refuses a corrupt line elsewhere', () => {
    const whole = lines([queue('jobs'), { op: 'put', queue: 'jobs', message: message('a') }]);
    expect(where(replayJournal(`${whole}{"op":"put","queue":"jobs","mess`))).toEqual({ a: 'jobs' });
    expect(() => replayJournal(`${whole}{"op":"pu\n${whole}`, 'journal.jsonl')).toThrow(/journal.jsonl: line 3/);
  });
});

describe('SQS journal file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-journal-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is rewritten from the current state once appends outgrow it, and still replays to that state', async () => {
    const file = path.join(dir, 'journal.jsonl');
    const state = emptyState();
    const journal = await SqsJournal.open(file, () => recordsOf(state));
    const record = (r: JournalRecord) => {
      applyRecord(state, r);
      journal.append(r);
    };
    record(queue('jobs'));
    const big = 'x'.repeat(4096);
    // Concurrent callers share the writes; each resolves once its own record is on disk.
    await Promise.all(
      Array.from({ length: 1500 }, (_, i) => {
        record({ op: 'put', queue: 'jobs', message: message(String(i), big) });
        return journal.flush();
      }),
    );
    const grown = fs.statSync(file).size;
    expect(grown).toBeGreaterThan(1500 * 4096);
    expect(replayJournal(fs.readFileSync(file, 'utf8')).messages.size).toBe(1500);

    for (let i = 0; i < 1490; i++) record({ op: 'delete', id: String(i) });
    await journal.flush();
    expect(fs.statSync(file).size).toBeLessThan(20 * 4096);
    // Appends after a rewrite go to the new file.
    record({ op: 'put', queue: 'jobs', message: message('after') });
    await journal.flush();
    await journal.close();

    const replayed = replayJournal(fs.readFileSync(file, 'utf8'));
    expect(replayed).toEqual(state);
    expect(replayed.messages.size).toBe(11);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
  });
});
