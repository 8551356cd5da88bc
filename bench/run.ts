import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Runs every benchmark in bench/ (or those named on the command line), one process each; each writes
 * bench/results/<name>.json. `--quick` (npm run bench -- --quick): a short smoke run of each, as CI runs it: they
 * must run and report, whatever the figures.
 */
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((arg) => !arg.startsWith('--'));
const files = fs
  .readdirSync(__dirname)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .filter((file) => names.length === 0 || names.some((name) => file.startsWith(name)));

const failed: string[] = [];
const started = Date.now();
for (const file of files) {
  console.log(`\n== ${file}${quick ? ' (quick)' : ''}`);
  const fileStarted = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, file), ...(quick ? ['--quick'] : [])], {
    stdio: 'inherit',
    env: quick ? { ...process.env, BENCH_QUICK: '1' } : process.env,
  });
  if (result.status !== 0) failed.push(file);
  console.log(`   ${file}: ${result.status === 0 ? 'done' : `FAILED (exit ${result.status ?? result.signal})`} in ${((Date.now() - fileStarted) / 1000).toFixed(0)} s`);
}
console.log(`\n${files.length - failed.length}/${files.length} benchmarks ran in ${((Date.now() - started) / 1000).toFixed(0)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
