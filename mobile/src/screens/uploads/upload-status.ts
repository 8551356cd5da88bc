import type { UploadItem, UploadProblem } from '../../core/upload-types';

// What an upload row says, from the queue's item alone (plain functions: the screen only draws them).

/** The reasons the server gives when it rejects a received photo (POST /v1/uploads/complete), in words. */
const REJECTIONS: Record<string, string> = {
  'checksum-mismatch': 'the photo changed while it was sent',
  'size-mismatch': 'the photo arrived incomplete',
  'too-large': 'the photo is too large',
  'not-an-image': 'the file is not a photo',
  'type-mismatch': 'the file is not the kind of photo its name says',
  undecodable: 'the photo could not be read',
};

function sentence(problem: UploadProblem): string {
  if (problem.title === 'Photo unavailable') return 'the photo can no longer be read here, pick it again';
  if (problem.title === 'Rejected' && problem.detail && REJECTIONS[problem.detail]) return REJECTIONS[problem.detail]!;
  if (problem.status === 0) return problem.detail ? `no connection (${problem.detail})` : 'no connection';
  return problem.detail || problem.title;
}

/** Why an item waits before trying again, short: it is shown in brackets. */
function retryReason(problem: UploadProblem): string {
  if (problem.status === 0) return 'no connection';
  if (problem.status === 429) return 'the server is busy';
  if (problem.status >= 500) return 'the server is unavailable';
  return problem.detail || problem.title;
}

export type UploadPhase = 'waiting' | 'preparing' | 'uploading' | 'finishing' | 'uploaded' | 'duplicate' | 'failed' | 'retrying';

export interface UploadStatus {
  phase: UploadPhase;
  text: string;
  /** 0..1 while bytes are on their way (size known). */
  progress?: number;
  /** "part k of n" for a multipart upload. */
  partText?: string;
}

/**
 * The queue hashes one photo at a time, oldest first: that one is "Preparing", the others are
 * "Waiting". `hashingNow` is the id of the item being hashed (see hashingItemId).
 */
export function describeUpload(item: UploadItem, hashingNow: string | undefined): UploadStatus {
  if (item.step === 'done') {
    if (item.result === 'rejected') return { phase: 'failed', text: `Failed: ${item.problem ? sentence(item.problem) : 'the server rejected this photo'}` };
    return item.result === 'duplicate' ? { phase: 'duplicate', text: 'Already in your library' } : { phase: 'uploaded', text: 'Uploaded' };
  }
  if (item.step === 'failed') return { phase: 'failed', text: `Failed: ${item.problem ? sentence(item.problem) : 'unknown error'}` };
  if (item.problem && item.notBefore !== undefined) return { phase: 'retrying', text: `Waiting to retry (${retryReason(item.problem)})` };
  switch (item.step) {
    case 'hashing':
      return item.id === hashingNow ? { phase: 'preparing', text: 'Preparing' } : { phase: 'waiting', text: 'Waiting' };
    case 'requesting':
      return { phase: 'preparing', text: 'Preparing' };
    case 'completing':
      return { phase: 'finishing', text: 'Finishing' };
    case 'uploading': {
      const progress = item.size ? Math.min(1, (item.sentBytes ?? 0) / item.size) : 0;
      const parts = item.target?.kind === 'multipart' ? item.target.parts.length : 0;
      return { phase: 'uploading', text: 'Uploading', progress, partText: parts > 1 && item.part ? `part ${item.part} of ${parts}` : undefined };
    }
  }
}

/** The item the queue hashes now: the oldest one at that step that is not waiting to retry. */
export function hashingItemId(items: readonly UploadItem[]): string | undefined {
  return items.find((i) => i.step === 'hashing' && i.notBefore === undefined)?.id;
}

/** A retry wait only resume() can end: one that waits for the network (a server's Retry-After is kept). */
export function canRetryNow(item: UploadItem): boolean {
  return item.step !== 'done' && item.step !== 'failed' && item.notBefore !== undefined && item.problem?.status === 0;
}

/**
 * `done`: uploaded (or already there); `failed`: needs the user, a photo processing rejected included;
 * `finished`: what "Clear finished" removes (every done item, rejected ones too).
 */
export function summarize(items: readonly UploadItem[]): { done: number; failed: number; finished: number; total: number; unfinished: number } {
  const finished = items.filter((i) => i.step === 'done').length;
  const rejected = items.filter((i) => i.step === 'done' && i.result === 'rejected').length;
  const failed = items.filter((i) => i.step === 'failed').length + rejected;
  return { done: finished - rejected, failed, finished, total: items.length, unfinished: items.length - finished };
}
