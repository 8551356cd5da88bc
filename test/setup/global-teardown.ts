import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __auroravaultStack?: { child: ChildProcess; dataDir: string } }).__auroravaultStack;
  if (!state) return;
  const exited = new Promise((resolve) => state.child.once('exit', resolve));
  state.child.kill('SIGTERM');
  await exited;
  fs.rmSync(state.dataDir, { recursive: true, force: true });
}
