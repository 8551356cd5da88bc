import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The app's web version for `npm start`: built from mobile/ with `expo export` on the first start and
 * whenever the app's sources change, reused otherwise (a warm start only hashes the inputs).
 */

/** Files and folders of mobile/ that go into the web bundle; tests, docs and tooling do not. */
const INPUT_FILES = ['App.tsx', 'index.ts', 'app.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'babel.config.js', 'metro.config.js'];
const INPUT_DIRS = ['src', 'assets'];

/** Part of the fingerprint: changing how the build is made must rebuild too. */
const BUILD_RECIPE = 'expo export --platform web --clear; EXPO_PUBLIC_API_URL unset (same-origin API)';

/** Written into the output folder after a successful build only: an interrupted build never matches. */
export const STAMP_FILE = '.fingerprint';

const PARTIAL_PREFIX = '.dist-partial-';

/** Kills a build that hangs (Metro waiting on a watcher, say) rather than holding the start forever. */
const BUILD_TIMEOUT_MS = 5 * 60_000;

/**
 * Origins a browser on this machine opens the served app at: the bucket's CORS must allow them for the
 * app's presigned uploads. A LAN address is left out: over plain http the web build cannot hash photos
 * (SubtleCrypto needs a secure context), so it could not upload from there anyway.
 */
export function localAppOrigins(host: string, port: number): string[] {
  const loopback = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const wildcard = host === '0.0.0.0' || host === '::' || host === '127.0.0.1' || host === 'localhost';
  return wildcard ? loopback : [...loopback, `http://${host.includes(':') ? `[${host}]` : host}:${port}`];
}

export interface InputFile {
  /** Relative to mobile/, with forward slashes. */
  path: string;
  content: Buffer;
}

/** One hash over paths and contents, independent of the order the files were read in. */
export function webBuildFingerprint(files: readonly InputFile[], recipe: string = BUILD_RECIPE): string {
  const hash = createHash('sha256').update(recipe).update('\0');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(file.path).update('\0').update(String(file.content.length)).update('\0').update(file.content);
  }
  return hash.digest('hex');
}

/** The app's build inputs as they are on disk (missing optional files are skipped). */
export function readWebBuildInputs(mobileDir: string): InputFile[] {
  const inDirs = INPUT_DIRS.filter((dir) => fs.existsSync(path.join(mobileDir, dir))).flatMap((dir) =>
    fs
      .readdirSync(path.join(mobileDir, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(mobileDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')),
  );
  const paths = [...INPUT_FILES.filter((file) => fs.existsSync(path.join(mobileDir, file))), ...inDirs];
  return paths.map((file) => ({ path: file, content: fs.readFileSync(path.join(mobileDir, file)) }));
}

export interface BuildRequest {
  mobileDir: string;
  /** Empty folder the build writes into. */
  outputDir: string;
}

/** Runs the export; rejects with a message a person can act on. */
export type WebBuildRunner = (request: BuildRequest) => Promise<void>;

export interface EnsureWebBuildOptions {
  mobileDir: string;
  /** Default: mobile/dist. */
  outDir?: string;
  log: (line: string) => void;
  /** Tests count builds with their own runner; the default runs expo export. */
  runBuild?: WebBuildRunner;
}

export type WebBuildResult =
  | { status: 'reused' | 'built'; dir: string; ms: number }
  | { status: 'unavailable'; reason: string };

function expoBinary(mobileDir: string): string {
  return path.join(mobileDir, 'node_modules', '.bin', process.platform === 'win32' ? 'expo.cmd' : 'expo');
}

function readStamp(outDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(outDir, STAMP_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A partial folder left by a build that was killed (its process is gone) is only litter. */
function removeAbandonedPartials(parent: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names.filter((n) => n.startsWith(PARTIAL_PREFIX))) {
    const pid = Number(name.slice(PARTIAL_PREFIX.length));
    if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue;
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Returns a folder holding the app's current web build, building it first when the inputs changed
 * since the last build. Never throws for a missing install or a failed build: the API starts without
 * the app, and `log` says why and what to do.
 */
export async function ensureWebBuild(options: EnsureWebBuildOptions): Promise<WebBuildResult> {
  const started = Date.now();
  const mobileDir = path.resolve(options.mobileDir);
  const outDir = path.resolve(options.outDir ?? path.join(mobileDir, 'dist'));
  const shown = path.relative(process.cwd(), outDir) || outDir;
  const unavailable = (reason: string): WebBuildResult => {
    options.log(`The app is not served: ${reason} The API runs anyway.`);
    return { status: 'unavailable', reason };
  };

  if (!fs.existsSync(path.join(mobileDir, 'package.json'))) return unavailable(`there is no app in ${mobileDir}.`);
  const fingerprint = webBuildFingerprint(readWebBuildInputs(mobileDir));
  if (readStamp(outDir) === fingerprint && fs.existsSync(path.join(outDir, 'index.html'))) {
    return { status: 'reused', dir: outDir, ms: Date.now() - started };
  }
  if (!fs.existsSync(expoBinary(mobileDir))) {
    return unavailable('mobile/node_modules is missing. Run `npm ci` at the top of the repository (it installs the app too), then `npm start` again.');
  }

  const parent = path.dirname(outDir);
  fs.mkdirSync(parent, { recursive: true });
  removeAbandonedPartials(parent);
  const partial = path.join(parent, `${PARTIAL_PREFIX}${process.pid}`);
  fs.rmSync(partial, { recursive: true, force: true });
  options.log("Building the app's web version (first start, or the app changed): a minute or two…");
  try {
    await (options.runBuild ?? runExpoExport)({ mobileDir, outputDir: partial });
    if (!fs.existsSync(path.join(partial, 'index.html'))) throw new Error('the export wrote no index.html.');
    fs.writeFileSync(path.join(partial, STAMP_FILE), `${fingerprint}\n`);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(partial, outDir);
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    const why = error instanceof Error ? error.message : String(error);
    return unavailable(`its web build failed: ${why}\nFix the app (try \`cd mobile && npx expo export --platform web\`), then \`npm start\` again.`);
  }
  const ms = Date.now() - started;
  options.log(`App web version built in ${(ms / 1000).toFixed(1)} s (${shown}).`);
  return { status: 'built', dir: outDir, ms };
}

/**
 * `expo export` from the app's own install (`npx expo` would fetch another Expo when the install is
 * missing). EXPO_PUBLIC_API_URL is removed so the app calls the origin it is served from; `--clear`
 * because Metro's cache would otherwise keep a value inlined by an earlier build.
 */
export const runExpoExport: WebBuildRunner = ({ mobileDir, outputDir }) =>
  new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
    delete env.EXPO_PUBLIC_API_URL;
    const child = spawn(expoBinary(mobileDir), ['export', '--platform', 'web', '--clear', '--output-dir', outputDir], {
      cwd: mobileDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // Stopping the server during the build stops the build too (a terminal's Ctrl-C reaches it anyway).
    const onSignal = (signal: NodeJS.Signals) => {
      child.kill('SIGTERM');
      fs.rmSync(outputDir, { recursive: true, force: true });
      cleanup();
      process.kill(process.pid, signal);
    };
    const timer = setTimeout(() => child.kill('SIGTERM'), BUILD_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    child.once('error', (error) => {
      cleanup();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      cleanup();
      if (code === 0) return resolve();
      const tail = output.trim().split('\n').slice(-15).join('\n');
      reject(new Error(`expo export ${signal ? `was stopped (${signal})` : `exited with code ${code}`}:\n${tail}`));
    });
  });
