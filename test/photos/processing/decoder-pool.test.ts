import { DecoderCrashedError, DecoderPool } from '../../../src/photos/processing/decoder-pool.js';
import { UndecodableError } from '../../../src/photos/processing/derivatives.js';
import { FIXTURES } from './helpers.js';
import { isAlive } from './streams.js';

const MiB = 1024 ** 2;
const jpeg = { path: `${FIXTURES}/exif.jpg`, type: 'image/jpeg', maxPixels: 1_000_000 } as const;

async function untilDecoding(pool: DecoderPool): Promise<number> {
  while (pool.pids.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  return pool.pids[0]!;
}

describe('DecoderPool', () => {
  it('decodes in a separate process and reuses it', async () => {
    const pool = new DecoderPool({ decoders: 2, decodeBudgetBytes: 256 * MiB, maxPixels: 1_000_000 });
    try {
      const first = await pool.decode(jpeg, 10 * MiB);
      expect(first.derivatives).toMatchObject({ width: 320, height: 240 });
      expect(first.exif.make).toBe('Apple');
      const [pid] = pool.pids;
      expect(pid).not.toBe(process.pid);
      await pool.decode(jpeg, 10 * MiB);
      expect(pool.pids).toEqual([pid]);
    } finally {
      await pool.close();
    }
  });

  it('runs at once only the decodes whose estimates fit the memory budget together', async () => {
    const pool = new DecoderPool({ decoders: 2, decodeBudgetBytes: 100 * MiB, maxPixels: 1_000_000 });
    try {
      // Two processes are allowed, but 60 + 60 MB is over the budget: the second waits for the first's process.
      const seen = new Set<number>();
      const watch = setInterval(() => pool.pids.forEach((pid) => seen.add(pid)), 1);
      const results = await Promise.all([pool.decode(jpeg, 60 * MiB), pool.decode(jpeg, 60 * MiB)]);
      clearInterval(watch);
      expect(results.map((result) => result.derivatives.width)).toEqual([320, 320]);
      expect(seen.size).toBe(1);
      // 40 + 40 MB fit: two processes at once.
      const [a, b] = [pool.decode(jpeg, 40 * MiB), pool.decode(jpeg, 40 * MiB)];
      while (pool.pids.length < 2) await new Promise((resolve) => setTimeout(resolve, 2));
      await Promise.all([a, b]);
      await expect(pool.decode(jpeg, 101 * MiB)).rejects.toThrow(RangeError);
    } finally {
      await pool.close();
    }
  });

  it('reports undecodable bytes as UndecodableError, and a decoder that died as DecoderCrashedError (retryable)', async () => {
    const pool = new DecoderPool({ decoders: 1, decodeBudgetBytes: 256 * MiB, maxPixels: 1_000_000 });
    try {
      await expect(pool.decode({ ...jpeg, path: `${FIXTURES}/text.jpg` }, MiB)).rejects.toThrow(UndecodableError);
      const pid = pool.pids[0]!;
      process.kill(pid, 'SIGSTOP');
      const crashing = pool.decode(jpeg, MiB);
      process.kill(pid, 'SIGKILL'); // the kernel's OOM killer, say
      await expect(crashing).rejects.toThrow(DecoderCrashedError);
      expect(isAlive(pid)).toBe(false);
      expect((await pool.decode(jpeg, MiB)).derivatives.width).toBe(320);
    } finally {
      await pool.close();
    }
  });

  it('gives up waiting for the budget when aborted, and kills a running decode on abort', async () => {
    const pool = new DecoderPool({ decoders: 1, decodeBudgetBytes: 64 * MiB, maxPixels: 1_000_000 });
    try {
      const running = new AbortController();
      const first = pool.decode(jpeg, 10 * MiB, running.signal);
      const waiting = new AbortController();
      const second = pool.decode(jpeg, 10 * MiB, waiting.signal);
      const pid = await untilDecoding(pool);
      process.kill(pid, 'SIGSTOP');
      waiting.abort(new Error('second gave up'));
      await expect(second).rejects.toThrow('second gave up');
      running.abort(new Error('first timed out'));
      await expect(first).rejects.toThrow('first timed out');
      expect(isAlive(pid)).toBe(false);
      await pool.close();
      expect(pool.pids).toEqual([]);
    } finally {
      await pool.close();
    }
  });
});
