import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median } from './stats.js';

/**
 * What every benchmark records in bench/results/<name>.json: its figures (medians with their spread) beside the
 * baseline measured in the same run, and the machine they came from. Absolute figures drift on a shared machine;
 * the ratios to the baseline are the comparable part.
 */

/** `npm run bench -- --quick` (bench/run.ts passes it on, and sets BENCH_QUICK=1): a short smoke run. */
export const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median: how far apart the rounds were. */
  relativeSpread: number;
  n: number;
}

export function spread(values: number[]): Spread {
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: m, min, max, relativeSpread: m === 0 ? 0 : (max - min) / m, n: values.length };
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    /** 1, 5 and 15 minute load averages when the result was written: other work on the machine. */
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
  };
}

export interface BenchResult {
  /** What the baseline is, in words, and its figures. */
  baseline: { description: string } & Record<string, unknown>;
  /** The figures under test (medians, spreads, ratios to the baseline). */
  figures: Record<string, unknown>;
  /** Sizes and durations used (rounds, seconds, connections...). */
  parameters?: Record<string, unknown>;
}

/** Writes bench/results/<name>.json (or <name>.quick.json for a smoke run, which proves nothing about speed). */
export function writeResult(name: string, result: BenchResult): string {
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}${quick ? '.quick' : ''}.json`);
  const body = { name, quick, machine: machine(), ...result };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  console.log(`  results: ${path.relative(process.cwd(), file)}`);
  return file;
}
