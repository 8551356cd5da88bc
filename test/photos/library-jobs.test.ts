import type { AccountDeletion, DeletionsRepository } from '../../src/data/deletions.js';
import type { PhotoRecord, PhotosRepository } from '../../src/data/photos.js';
import type { JobContext } from '../../src/jobs/registry.js';
import { JobRegistry } from '../../src/jobs/registry.js';
import { DELETE_ACCOUNT_JOB, EMPTY_TRASH_JOB, JOB_LEASE_MS, LibraryJobs, PURGE_PHOTO_JOB, type LibraryJobsDeps } from '../../src/photos/library-jobs.js';
import type { LibraryService } from '../../src/photos/library-service.js';
import type { PhotoDeletion } from '../../src/photos/photo-deletion.js';

/** The jobs' decisions (continuations, leases, phases), with fakes for the stores; the real run is in library.test.ts. */
const NOW = new Date('2026-12-01T12:00:00.000Z');
const RESWEEP_MS = 1_800_000;

const quietLog = { info() {}, warn() {}, error() {}, debug() {}, child() { return quietLog; } };
const ctx = (): JobContext => ({ jobId: 'j', type: 't', receiveCount: 1, log: quietLog as never, signal: new AbortController().signal });

function photo(photoId: string, extra: Partial<PhotoRecord> = {}): PhotoRecord {
  return { userId: 'u1', photoId, status: 'ready', filename: 'a.jpg', contentType: 'image/jpeg', size: 10, sha256: 'x', s3Key: `users/u1/photos/${photoId}`, uploadExpiresAt: NOW.toISOString(), uploadedAt: NOW.toISOString(), ...extra };
}

/** One account deletion item with the conditional writes of DeletionsRepository. */
class FakeDeletions {
  item: AccountDeletion | undefined;
  async startAccountDeletion(d: AccountDeletion) {
    if (this.item) return false;
    this.item = { ...d };
    return true;
  }
  async getAccountDeletion() {
    return this.item && { ...this.item };
  }
  async advanceAccountDeletion(seen: AccountDeletion, next: Pick<AccountDeletion, 'phase' | 'dueAt'>) {
    if (!this.item || this.item.phase !== seen.phase || this.item.dueAt !== seen.dueAt) return false;
    this.item = { ...this.item, ...next };
    return true;
  }
  async finishAccountDeletion(seen: AccountDeletion) {
    if (this.item?.phase !== 'resweep' || seen.phase !== 'resweep') return false;
    this.item = undefined;
    return true;
  }
}

function setup(options: { records?: PhotoRecord[]; runBudgetMs?: number; emptyTrashDone?: boolean; stored?: PhotoRecord } = {}) {
  const deletions = new FakeDeletions();
  const records = [...(options.records ?? [])];
  const calls = {
    enqueue: jest.fn(async (..._args: unknown[]) => ({ id: 'x', messageId: 'm' })),
    enqueueBatch: jest.fn(async (..._args: unknown[]) => []),
    deleteProfile: jest.fn(async (_userId: string) => undefined),
    forget: jest.fn(async (p: PhotoRecord) => void records.splice(records.indexOf(p), 1)),
    abortMultipart: jest.fn(async (..._args: unknown[]) => undefined),
    sweepUserPrefix: jest.fn(async (..._args: unknown[]) => 3),
    emptyTrash: jest.fn(async (..._args: unknown[]) => ({ purged: 2, done: options.emptyTrashDone ?? true })),
    purgeTrashed: jest.fn(async (_p: PhotoRecord) => true),
  };
  const deps: LibraryJobsDeps = {
    photos: {
      get: async () => options.stored,
      forget: calls.forget,
      async *allOfUser() {
        yield [...records];
      },
    } as unknown as PhotosRepository,
    deletions: deletions as unknown as DeletionsRepository,
    library: { emptyTrash: calls.emptyTrash, purgeTrashed: calls.purgeTrashed } as unknown as LibraryService,
    deletion: { abortMultipart: calls.abortMultipart, sweepUserPrefix: calls.sweepUserPrefix } as unknown as PhotoDeletion,
    enqueue: calls.enqueue as unknown as LibraryJobsDeps['enqueue'],
    enqueueBatch: calls.enqueueBatch as unknown as LibraryJobsDeps['enqueueBatch'],
    deleteProfile: calls.deleteProfile,
    resweepDelayMs: () => RESWEEP_MS,
    now: () => NOW,
    ...(options.runBudgetMs !== undefined ? { runBudgetMs: options.runBudgetMs } : {}),
  };
  const jobs = new LibraryJobs(deps);
  const registry = new JobRegistry();
  jobs.register(registry);
  const run = (type: string, payload: unknown) => registry.get(type)!.handler(payload, ctx());
  return { jobs, deletions, calls, run, registry };
}

const removing = (): AccountDeletion => ({ userId: 'u1', username: 'ada@example.com', phase: 'removing', requestedAt: NOW.toISOString(), dueAt: '2026-12-01T12:15:00.000Z' });

describe('library jobs', () => {
  it('registers its three job types with payload schemas and timeouts', () => {
    const { registry } = setup();
    for (const type of [EMPTY_TRASH_JOB, PURGE_PHOTO_JOB, DELETE_ACCOUNT_JOB]) {
      expect(registry.get(type)).toMatchObject({ schema: expect.anything(), timeoutSeconds: expect.any(Number) });
    }
  });

  it('empty-trash: a run out of budget hands over to the next round, with a deterministic id', async () => {
    const { calls, run } = setup({ emptyTrashDone: false });
    await run(EMPTY_TRASH_JOB, { userId: 'u1', before: NOW.toISOString() });
    expect(calls.emptyTrash).toHaveBeenCalledWith('u1', NOW.toISOString(), NOW.getTime() + 240_000, expect.any(AbortSignal));
    expect(calls.enqueue).toHaveBeenCalledWith(EMPTY_TRASH_JOB, { userId: 'u1', before: NOW.toISOString(), round: 1 }, { jobId: `empty-trash:u1:${NOW.toISOString()}:1` });
  });

  it('empty-trash: a finished run enqueues nothing', async () => {
    const { calls, run } = setup({ emptyTrashDone: true });
    await run(EMPTY_TRASH_JOB, { userId: 'u1', before: NOW.toISOString(), round: 3 });
    expect(calls.enqueue).not.toHaveBeenCalled();
  });

  it('purge-photo: only the trash entry the sweep handed out is purged', async () => {
    const stored = photo('p1', { trashedAt: '2026-10-01T00:00:00.000Z' });
    const same = setup({ stored });
    await same.run(PURGE_PHOTO_JOB, { userId: 'u1', photoId: 'p1', trashedAt: '2026-10-01T00:00:00.000Z' });
    expect(same.calls.purgeTrashed).toHaveBeenCalledWith(stored);
    const other = setup({ stored });
    await other.run(PURGE_PHOTO_JOB, { userId: 'u1', photoId: 'p1', trashedAt: '2026-09-01T00:00:00.000Z' });
    expect(other.calls.purgeTrashed).not.toHaveBeenCalled();
  });

  it('delete-account, first phase: every record (multipart aborted), the prefix, the profile; then the re-sweep is due after the delay', async () => {
    const uploading = photo('p2', { status: 'uploading', uploadId: 'mp-1' });
    const { deletions, calls, run } = setup({ records: [photo('p1'), uploading] });
    deletions.item = removing();
    await run(DELETE_ACCOUNT_JOB, { userId: 'u1' });
    expect(calls.forget).toHaveBeenCalledTimes(2);
    expect(calls.abortMultipart).toHaveBeenCalledWith('users/u1/photos/p2', 'mp-1');
    expect(calls.sweepUserPrefix).toHaveBeenCalledWith('u1', expect.any(AbortSignal));
    expect(calls.deleteProfile).toHaveBeenCalledWith('u1');
    expect(deletions.item).toMatchObject({ phase: 'resweep', dueAt: new Date(NOW.getTime() + RESWEEP_MS).toISOString() });
  });

  it('delete-account, re-sweep: the prefix (and any late record) once more, then the deletion is finished', async () => {
    const { deletions, calls, run } = setup({ records: [photo('late')] });
    deletions.item = { ...removing(), phase: 'resweep' };
    await run(DELETE_ACCOUNT_JOB, { userId: 'u1' });
    expect(calls.forget).toHaveBeenCalledTimes(1);
    expect(calls.sweepUserPrefix).toHaveBeenCalled();
    expect(calls.deleteProfile).not.toHaveBeenCalled();
    expect(deletions.item).toBeUndefined();
  });

  it('delete-account: a duplicate message finds the deletion leased by another run and does nothing', async () => {
    const { deletions, calls, run } = setup({ records: [photo('p1')] });
    deletions.item = removing();
    const taken = deletions.advanceAccountDeletion.bind(deletions);
    // Another run leases it between our read and our lease.
    deletions.getAccountDeletion = async () => {
      const seen = { ...deletions.item! };
      await taken(seen, { phase: 'removing', dueAt: '2026-12-01T12:20:00.000Z' });
      return seen;
    };
    await run(DELETE_ACCOUNT_JOB, { userId: 'u1' });
    expect(calls.forget).not.toHaveBeenCalled();
    expect(calls.deleteProfile).not.toHaveBeenCalled();
  });

  it('delete-account: out of budget, it enqueues its continuation and leaves profile and phase alone', async () => {
    const { deletions, calls, run } = setup({ records: [photo('p1')], runBudgetMs: 0 });
    deletions.item = removing();
    await run(DELETE_ACCOUNT_JOB, { userId: 'u1' });
    const leasedUntil = new Date(NOW.getTime() + JOB_LEASE_MS).toISOString();
    expect(calls.enqueue).toHaveBeenCalledWith(DELETE_ACCOUNT_JOB, { userId: 'u1' }, { jobId: `delete-account:u1:removing:${leasedUntil}` });
    expect(calls.sweepUserPrefix).not.toHaveBeenCalled();
    expect(calls.deleteProfile).not.toHaveBeenCalled();
    expect(deletions.item).toMatchObject({ phase: 'removing', dueAt: leasedUntil });
  });

  it('scheduling: the deletion is recorded before the enqueue, whose failure is left to the sweep; a second request changes nothing', async () => {
    const { jobs, deletions, calls } = setup();
    calls.enqueue.mockRejectedValueOnce(new Error('SQS down'));
    await expect(jobs.scheduleAccountDeletion({ userId: 'u1', username: 'ada@example.com' })).resolves.toBeUndefined();
    expect(deletions.item).toMatchObject({ phase: 'removing', dueAt: new Date(NOW.getTime() + JOB_LEASE_MS).toISOString() });
    await jobs.scheduleAccountDeletion({ userId: 'u1', username: 'ada@example.com' });
    expect(calls.enqueue).toHaveBeenCalledTimes(1);
  });
});
