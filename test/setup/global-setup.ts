import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/**
 * Starts the local AWS stack once per test run, in its own process and data folder (never the
 * developer's .data), and hands its description to the test files through an env variable.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-test-'));
  const root = path.resolve(__dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/local/cli.ts'), '--data-dir', dataDir], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`local stack exited with code ${code} before it was ready`)));
  });
  process.env.AURORAVAULT_TEST_STACK = line;
  Object.assign(globalThis, { __auroravaultStack: { child, dataDir } });
}
