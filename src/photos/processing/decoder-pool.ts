import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Derivatives } from './derivatives.js';
import { UndecodableError } from './errors.js';
import type { DecodeReply, DecodeRequest } from './decoder-protocol.js';
import type { PhotoExif } from './exif.js';
import type { ProcessingBudget } from './memory-budget.js';

export interface DecoderPoolOptions {
  /** A decoder whose RSS stays above this after a job is replaced (wasm memory and malloc arenas never shrink). */
  recycleRssBytes?: number;
}

export interface Decoded {
  derivatives: Derivatives;
  exif: PhotoExif;
  /** Peak resident memory of the decoder process that did it, since it started (benchmarks, logs). */
  decoderPeakRssBytes: number;
}

/** The decoder process ended in the middle of a decode (crash, out of memory): retryable, like any I/O failure. */
export class DecoderCrashedError extends Error {
  constructor(code: number | null, signal: NodeJS.Signals | null) {
    super(`decoder process ended during a decode (${signal ?? `exit code ${code}`})`);
    this.name = 'DecoderCrashedError';
  }
}

/**
 * The child's entry next to this module: decoder-child.ts under tsx and jest (run through tsx's loader, a dev
 * dependency), decoder-child.js in the built dist/ (plain node).
 */
function childEntry(): { file: string; execArgv: string[] } {
  const extension = path.extname(__filename);
  const file = path.join(__dirname, `decoder-child${extension}`);
  return extension === '.ts' ? { file, execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href] } : { file, execArgv: [] };
}

interface Waiter {
  bytes: number;
  admit(): void;
}

const DEFAULT_RECYCLE_RSS = 256 * 1024 ** 2;

/**
 * Long-lived decoder processes, forked on demand. decode() runs one photo in an idle process once both a
 * process and `estimateBytes` of the memory budget are free (first come, first served); its signal kills
 * the process (SIGKILL: libvips cannot be interrupted), and decode() settles only once that process is gone.
 */
export class DecoderPool {
  readonly budget: ProcessingBudget;
  readonly #size: number;
  readonly #budget: number;
  readonly #recycleRss: number;
  readonly #entry = childEntry();
  readonly #children = new Set<ChildProcess>();
  readonly #idle: ChildProcess[] = [];
  readonly #waiters: Waiter[] = [];
  #running = 0;
  #reserved = 0;
  #nextId = 1;
  #closed = false;

  /** `budget.decoders` processes at most, decodes taking `budget.decodeBudgetBytes` together at most. */
  constructor(budget: ProcessingBudget, options: DecoderPoolOptions = {}) {
    if (!(budget.decoders >= 1)) throw new RangeError('a decoder pool needs at least one process');
    this.budget = budget;
    this.#size = budget.decoders;
    this.#budget = budget.decodeBudgetBytes;
    this.#recycleRss = options.recycleRssBytes ?? DEFAULT_RECYCLE_RSS;
  }

  /** Process ids of the decoder processes alive now. */
  get pids(): number[] {
    return [...this.#children].map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
  }

  async decode(request: Omit<DecodeRequest, 'id'>, estimateBytes: number, signal?: AbortSignal): Promise<Decoded> {
    if (estimateBytes > this.#budget) throw new RangeError(`a decode of ${estimateBytes} bytes exceeds the budget of ${this.#budget}`);
    await this.#admit(estimateBytes, signal);
    try {
      signal?.throwIfAborted();
      return await this.#run(this.#idle.pop() ?? this.#spawn(), { ...request, id: this.#nextId++ }, signal);
    } finally {
      this.#running--;
      this.#reserved -= estimateBytes;
      this.#pump();
    }
  }

  /** Kills every decoder process; decodes in progress and waiting fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.admit();
    const exits = [...this.#children].map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined));
    for (const child of this.#children) {
      child.ref(); // an idle (unref'd) process would otherwise let the loop end before its exit is seen
      child.kill('SIGKILL');
    }
    await Promise.all(exits);
  }

  #admit(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('decoder pool closed'));
    signal?.throwIfAborted();
    if (this.#waiters.length === 0 && this.#fits(bytes)) {
      this.#take(bytes);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(signal!.reason);
        this.#pump();
      };
      const waiter: Waiter = {
        bytes,
        admit: () => {
          signal?.removeEventListener('abort', onAbort);
          if (this.#closed) reject(new Error('decoder pool closed'));
          else resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #fits(bytes: number): boolean {
    return this.#running < this.#size && this.#reserved + bytes <= this.#budget;
  }

  #take(bytes: number): void {
    this.#running++;
    this.#reserved += bytes;
  }

  /** First come, first served: a large decode waiting is not overtaken by small ones (it would starve). */
  #pump(): void {
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0]!.bytes)) {
      const waiter = this.#waiters.shift()!;
      this.#take(waiter.bytes);
      waiter.admit();
    }
  }

  #spawn(): ChildProcess {
    const child = fork(this.#entry.file, [], {
      execArgv: this.#entry.execArgv,
      serialization: 'advanced', // Buffers cross without base64
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // glibc's default of 8 arenas per core keeps freed native memory mapped.
      env: { ...process.env, MALLOC_ARENA_MAX: '2' },
    });
    this.#children.add(child);
    child.once('exit', () => {
      this.#children.delete(child);
      const at = this.#idle.indexOf(child);
      if (at >= 0) this.#idle.splice(at, 1);
    });
    // A fork that failed reports 'error' and then 'exit'; a job in progress learns of it through 'exit'.
    child.on('error', () => undefined);
    return child;
  }

  #run(child: ChildProcess, request: DecodeRequest, signal?: AbortSignal): Promise<Decoded> {
    return new Promise<Decoded>((resolve, reject) => {
      let aborted = false;
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
      };
      const onMessage = (reply: DecodeReply) => {
        if (reply.id !== request.id) return;
        cleanup();
        this.#release(child, reply.ok ? reply.rssBytes : 0);
        if (reply.ok) resolve({ derivatives: asBuffers(reply.derivatives), exif: reply.exif, decoderPeakRssBytes: reply.peakRssBytes });
        else reject(reply.undecodable ? new UndecodableError(reply.message) : new Error(`decoder: ${reply.message}`));
      };
      const onExit = (code: number | null, exitSignal: NodeJS.Signals | null) => {
        cleanup();
        reject(aborted ? signal!.reason : new DecoderCrashedError(code, exitSignal));
      };
      const onAbort = () => {
        aborted = true;
        child.kill('SIGKILL'); // settles in onExit, once the process is really gone
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      child.ref();
      (child.channel as { ref?: () => void } | undefined)?.ref?.();
      child.send(request);
    });
  }

  /** Back to the idle list, not holding the parent's event loop open; or replaced when it grew too big. */
  #release(child: ChildProcess, rssBytes: number): void {
    if (this.#closed || rssBytes > this.#recycleRss) {
      child.kill('SIGKILL');
      return;
    }
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    this.#idle.push(child);
  }
}

function asBuffers(derivatives: Derivatives): Derivatives {
  const buffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ...derivatives, thumbnail: buffer(derivatives.thumbnail), preview: buffer(derivatives.preview) };
}
