/**
 * Replays a Dockerfile's stages on this machine, without a Docker engine: each stage gets its own folder
 * standing for the container's `/`, COPY takes files from a snapshot of the build context (filtered by
 * .dockerignore) or from another stage's folder, and RUN runs the command in the stage's WORKDIR with the
 * stage's ENV. Independent stages run concurrently, as BuildKit does.
 *
 * What it cannot prove: the base image's contents (the host's node/npm stand in for the image's), file
 * ownership from --chown, and anything a RUN command does outside its WORKDIR. So RUN commands are limited
 * to an allowlist of npm commands that only touch the working folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  type Command,
  type DockerIgnore,
  type Dockerfile,
  type Stage,
  expand,
  findStage,
  parseCommand,
  parseCopy,
  parseEnv,
  resolvePosix,
} from './dockerfile-parse';

/** RUN commands the replay may execute on the host: they only write inside the current folder. */
export const REPLAYABLE_RUN = [
  /^npm ci(?: --(?:ignore-scripts|omit=dev|no-audit|no-fund|include=\w+|loglevel=\w+))*$/,
  /^npm run [\w:-]+$/,
  /^npm prune --omit=dev(?: --(?:ignore-scripts|no-audit|no-fund))*$/,
];

export function isReplayable(command: Command): boolean {
  if (command.form !== 'shell') return false;
  return command.text
    .split('&&')
    .map((part) => part.trim())
    .every((part) => REPLAYABLE_RUN.some((re) => re.test(part)));
}

export interface StageResult {
  stage: Stage;
  /** Folder standing for the stage's `/`. */
  root: string;
  env: Record<string, string>;
  workdir: string;
  user?: string;
  durationMs: number;
}

export interface ReplayOptions {
  dockerfile: Dockerfile;
  /** Snapshot of the build context (see snapshotContext). */
  contextDir: string;
  /** Parent folder for the stage folders. */
  workDir: string;
  /** Variables every RUN gets besides the stage's ENV (PATH, HOME, npm_config_*). */
  hostEnv: Record<string, string>;
  log?: (message: string) => void;
}

/** Copies the build context minus .dockerignore'd paths, as the Docker client sends it. */
export async function snapshotContext(
  sourceDir: string,
  ignore: DockerIgnore,
  destDir: string,
): Promise<{ files: string[]; bytes: number }> {
  const files: string[] = [];
  let bytes = 0;
  const canPrune = !ignore.hasExceptions;
  async function walk(rel: string): Promise<void> {
    const entries = await fsp.readdir(path.join(sourceDir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const ignored = ignore.ignores(childRel);
      const from = path.join(sourceDir, childRel);
      const to = path.join(destDir, childRel);
      if (entry.isDirectory()) {
        if (ignored && canPrune) continue;
        await walk(childRel);
      } else if (!ignored) {
        await fsp.mkdir(path.dirname(to), { recursive: true });
        if (entry.isSymbolicLink()) {
          await fsp.symlink(await fsp.readlink(from), to);
        } else if (entry.isFile()) {
          await fsp.copyFile(from, to);
          const stat = await fsp.stat(from);
          await fsp.chmod(to, stat.mode & 0o777);
          bytes += stat.size;
        } else {
          continue; // sockets, fifos: Docker refuses them; nothing of the kind belongs in the context
        }
        files.push(childRel);
      }
    }
  }
  await fsp.mkdir(destDir, { recursive: true });
  await walk('');
  return { files: files.sort(), bytes };
}

function run(argv: string[], options: { cwd: string; env: Record<string, string> }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** `cp -a`: keeps modes and symlinks as they are, as COPY does. */
async function copyPath(from: string, to: string, contentsOnly: boolean): Promise<void> {
  await fsp.mkdir(contentsOnly ? to : path.dirname(to), { recursive: true });
  const result = await run(['cp', '-a', contentsOnly ? `${from}/.` : from, contentsOnly ? `${to}/` : to], {
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  if (result.code !== 0) throw new Error(`cp ${from} ${to} failed: ${result.output}`);
}

function globSegment(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
}

/** Expands a COPY source (wildcards allowed in its last segment) inside `root`. */
async function expandSource(root: string, source: string): Promise<string[]> {
  const clean = resolvePosix('/', source);
  const base = path.posix.basename(clean);
  if (!/[*?[]/.test(base)) {
    if (/[*?[]/.test(path.posix.dirname(clean))) throw new Error(`wildcards only in the last segment: ${source}`);
    return [clean];
  }
  const dir = path.posix.dirname(clean);
  const re = globSegment(base);
  const names = await fsp.readdir(path.join(root, dir)).catch(() => [] as string[]);
  return names.filter((n) => re.test(n)).sort().map((n) => path.posix.join(dir, n));
}

async function exists(p: string): Promise<boolean> {
  return fsp.lstat(p).then(
    () => true,
    () => false,
  );
}

/** Runs the stages `target` depends on and then `target` itself; returns every stage that ran. */
export async function replay(options: ReplayOptions, target: Stage): Promise<Map<number, StageResult>> {
  const { dockerfile, contextDir, workDir, hostEnv } = options;
  const log = options.log ?? (() => undefined);
  const promises = new Map<number, Promise<StageResult>>();
  const results = new Map<number, StageResult>();

  function dependencies(stage: Stage): Stage[] {
    const deps: Stage[] = [];
    const base = findStage(dockerfile, stage.base);
    if (base && base.index < stage.index) deps.push(base);
    for (const ins of stage.instructions) {
      if (ins.keyword === 'COPY' && ins.flags.from !== undefined) {
        const from = findStage(dockerfile, ins.flags.from);
        if (!from) throw new Error(`line ${ins.line}: COPY --from=${ins.flags.from} is not a stage of this Dockerfile`);
        if (from.index >= stage.index) throw new Error(`line ${ins.line}: COPY --from a later stage`);
        deps.push(from);
      }
    }
    return deps;
  }

  function start(stage: Stage): Promise<StageResult> {
    let promise = promises.get(stage.index);
    if (!promise) {
      promise = runStage(stage);
      promise.catch(() => undefined); // awaited by the dependants; avoid an unhandled rejection meanwhile
      promises.set(stage.index, promise);
    }
    return promise;
  }

  async function runStage(stage: Stage): Promise<StageResult> {
    // Start every dependency now, so that independent stages build concurrently.
    for (const dep of dependencies(stage)) void start(dep);
    const began = Date.now();
    const label = stage.name ?? String(stage.index);
    const root = path.join(workDir, `stage-${stage.index}-${label}`);
    await fsp.mkdir(root, { recursive: true });
    await fsp.chmod(root, 0o755);

    const env: Record<string, string> = {};
    let workdir = '/';
    let user: string | undefined;
    const args: Record<string, string | undefined> = {};
    const baseStage = findStage(dockerfile, stage.base);
    if (baseStage && baseStage.index < stage.index) {
      const base = await start(baseStage);
      await copyPath(base.root, root, true);
      Object.assign(env, base.env);
      workdir = base.workdir;
      user = base.user;
    } else if (!/^node:20(?:\.\d+)*-bookworm-slim(?:@sha256:[0-9a-f]{64})?$/.test(stage.base)) {
      throw new Error(`the replay stands in for node:20-bookworm-slim only, not ${stage.base}`);
    }

    const vars = (): Record<string, string | undefined> => ({ ...args, ...env });
    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case 'ARG': {
          const eq = ins.args.indexOf('=');
          const name = (eq < 0 ? ins.args : ins.args.slice(0, eq)).trim();
          args[name] = eq < 0 ? dockerfile.globalArgs[name] : ins.args.slice(eq + 1).trim();
          break;
        }
        case 'ENV':
          Object.assign(env, parseEnv(ins.args, vars()));
          break;
        case 'WORKDIR':
          workdir = resolvePosix(workdir, expand(ins.args, vars()));
          await fsp.mkdir(path.join(root, workdir), { recursive: true });
          break;
        case 'USER':
          user = expand(ins.args, vars());
          break;
        case 'COPY': {
          const copy = parseCopy(ins, vars());
          let sourceRoot = contextDir;
          if (copy.from !== undefined) sourceRoot = (await start(findStage(dockerfile, copy.from)!)).root;
          const sources = (await Promise.all(copy.sources.map((s) => expandSource(sourceRoot, s)))).flat();
          if (sources.length === 0) throw new Error(`line ${ins.line}: COPY ${copy.sources.join(' ')}: no source files`);
          const dest = resolvePosix(workdir, copy.dest);
          const destIsDir = copy.dest.endsWith('/') || sources.length > 1 || copy.sources.some((s) => /[*?[]/.test(s));
          for (const source of sources) {
            const from = path.join(sourceRoot, source);
            const stat = await fsp.stat(from).catch(() => undefined);
            if (!stat) throw new Error(`line ${ins.line}: COPY source ${source} not found${copy.from ? ` in stage ${copy.from}` : ' in the build context'}`);
            if (stat.isDirectory()) {
              await copyPath(from, path.join(root, dest), true);
            } else {
              const intoDir = destIsDir || (await fsp.stat(path.join(root, dest)).then((s) => s.isDirectory(), () => false));
              await copyPath(from, path.join(root, intoDir ? path.posix.join(dest, path.posix.basename(source)) : dest), false);
            }
          }
          break;
        }
        case 'RUN': {
          const command = parseCommand(ins);
          if (Object.keys(ins.flags).length > 0) throw new Error(`line ${ins.line}: RUN flags are not replayable`);
          if (!isReplayable(command)) throw new Error(`line ${ins.line}: the replay does not run ${JSON.stringify(command.text)} on the host`);
          if (user !== undefined && !/^(?:root|0)(?::|$)/.test(user)) throw new Error(`line ${ins.line}: RUN after USER ${user} is not replayable`);
          const cwd = path.join(root, workdir);
          log(`[${label}] RUN ${command.text}`);
          const t0 = Date.now();
          const result = await run(command.argv, { cwd, env: { ...hostEnv, ...env } });
          log(`[${label}] RUN ${command.text}: exit ${result.code} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          if (result.code !== 0) {
            throw new Error(`line ${ins.line}: RUN ${command.text} exited ${result.code}:\n${result.output.slice(-4000)}`);
          }
          break;
        }
        case 'CMD':
        case 'HEALTHCHECK':
        case 'EXPOSE':
        case 'STOPSIGNAL':
        case 'LABEL':
          break; // image metadata: no effect on the filesystem
        default:
          throw new Error(`line ${ins.line}: ${ins.keyword} is not supported by the replay`);
      }
    }
    const result: StageResult = { stage, root, env, workdir, ...(user !== undefined ? { user } : {}), durationMs: Date.now() - began };
    results.set(stage.index, result);
    log(`[${label}] done in ${(result.durationMs / 1000).toFixed(1)} s`);
    return result;
  }

  await start(target);
  // A failed dependency has already failed `target`; wait for the others so no npm keeps running after us.
  await Promise.allSettled(promises.values());
  return results;
}

/**
 * The host uid/gid standing for a container USER: the same name when this machine has it, else `nobody`
 * (the images' `node` user is uid 1000 there; any unprivileged uid proves the same thing here).
 */
export function hostIdentity(user: string | undefined): { uid: number; gid: number; name: string } {
  const spec = (user ?? 'root').split(':')[0]!;
  if (spec === 'root' || spec === '0') return { uid: 0, gid: 0, name: 'root' };
  if (/^\d+$/.test(spec)) return { uid: Number(spec), gid: Number(spec), name: spec };
  const entry = spawnSync('getent', ['passwd', spec], { encoding: 'utf8' });
  const fields = entry.status === 0 ? entry.stdout.trim().split(':') : [];
  if (fields.length >= 4) return { uid: Number(fields[2]), gid: Number(fields[3]), name: spec };
  return { uid: 65534, gid: 65534, name: 'nobody' };
}

/** argv prefix that drops to `identity` (only possible, and only needed, when running as root). */
export function dropPrivileges(identity: { uid: number; gid: number }): string[] {
  if (process.getuid?.() !== 0 || identity.uid === 0) return [];
  return ['setpriv', `--reuid=${identity.uid}`, `--regid=${identity.gid}`, '--clear-groups'];
}

/** True when a new PID namespace can be made here, so the server can run as PID 1 as in a container. */
export function canRunAsPid1(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync('unshare', ['--pid', '--fork', '--kill-child', 'sh', '-c', 'test $$ -eq 1'], { stdio: 'ignore', timeout: 5000 });
  return probe.status === 0;
}

/** Total bytes (apparent size) and file count under `dir`, not following symlinks. */
export async function folderSize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  async function walk(p: string): Promise<void> {
    const entries = await fsp.readdir(p, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const child = path.join(p, entry.name);
        if (entry.isDirectory()) return walk(child);
        const stat = await fsp.lstat(child);
        bytes += stat.size;
        files++;
      }),
    );
  }
  await walk(dir);
  return { bytes, files };
}

export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  await fsp.chmod(dir, 0o755); // the unprivileged server user must reach the final stage's folder
  return dir;
}

export { exists };
