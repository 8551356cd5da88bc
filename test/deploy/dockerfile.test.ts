/**
 * Dockerfile checks without a Docker engine (none runs on this machine):
 *  1. policy: the Dockerfile and .dockerignore, parsed, follow the deployment rules;
 *  2. replay: the stages are replayed in clean temp folders (context minus .dockerignore, the build
 *     stage's npm ci + build, the deps stage's npm ci --omit=dev, the final stage assembled from its COPY
 *     lines only), then the final folder's CMD runs as an unprivileged user - as PID 1 of a new PID
 *     namespace when this machine allows it, which is how a container delivers `docker stop`'s SIGTERM -
 *     with the image's ENV, and is probed, health-checked and stopped.
 *
 * The replay takes a minute or two (two npm ci's; the local npm cache is preferred). DOCKER_REPLAY=0 skips it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, promises as fsp } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import {
  DockerIgnore,
  type Dockerfile,
  type StageSummary,
  expand,
  findStage,
  parseDockerfile,
  parseEnv,
  summarizeStage,
} from './dockerfile-parse';
import {
  type StageResult,
  canRunAsPid1,
  dropPrivileges,
  folderSize,
  hostIdentity,
  isReplayable,
  makeTempDir,
  replay,
  snapshotContext,
} from './dockerfile-replay';

const REPO = path.resolve(__dirname, '..', '..');
const dockerfileText = readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
const dockerignoreText = readFileSync(path.join(REPO, '.dockerignore'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

const dockerfile: Dockerfile = parseDockerfile(dockerfileText);
const ignore = new DockerIgnore(dockerignoreText);
const finalStage = dockerfile.stages[dockerfile.stages.length - 1]!;
const final: StageSummary = summarizeStage(dockerfile, finalStage);

/** `docker stop`'s default grace period before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;
const REPLAY = process.env.DOCKER_REPLAY !== '0';

/** Stages whose node_modules include dev dependencies: those whose RUN installs without omitting dev. */
function installsDevDependencies(summary: StageSummary): boolean {
  return summary.runs.some((r) => /\bnpm (?:ci|install|i)\b/.test(r.text) && !/--omit=dev|--production|--only=prod/.test(r.text));
}
function installsProdOnly(summary: StageSummary): boolean {
  return summary.runs.some((r) => /\bnpm (?:ci|prune)\b[^&]*--omit=dev/.test(r.text));
}

describe('Dockerfile parser', () => {
  test('joins continuations, skips comments, splits flags, exec and shell forms', () => {
    const df = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=node:20-bookworm-slim',
        'FROM ${BASE} AS one',
        'ENV A=1 \\',
        '    # a comment inside a continuation',
        '    B="two words" C=$A',
        'ENV LEGACY value with spaces',
        'RUN echo a \\',
        '  && echo b',
        'COPY --from=zero --chown=node:node /x/y ./z/',
        'HEALTHCHECK --interval=5s CMD ["node", "-e", "1"]',
        'CMD node server.js',
      ].join('\n'),
    );
    expect(df.directives.syntax).toBe('docker/dockerfile:1');
    const [stage] = df.stages;
    expect(stage).toMatchObject({ name: 'one', base: 'node:20-bookworm-slim' });
    const s = summarizeStage(df, stage!);
    // As in Docker, C=$A sees A as it was before this ENV instruction (unset).
    expect(s.env).toEqual({ A: '1', B: 'two words', C: '', LEGACY: 'value with spaces' });
    expect(s.runs[0]).toMatchObject({ form: 'shell', text: 'echo a && echo b' });
    expect(s.copies[0]).toEqual({ from: 'zero', chown: 'node:node', sources: ['/x/y'], dest: './z/', line: 10 });
    expect(s.healthcheck).toMatchObject({ none: false, options: { interval: '5s' }, command: { form: 'exec', argv: ['node', '-e', '1'] } });
    expect(s.cmd).toMatchObject({ form: 'shell', argv: ['/bin/sh', '-c', 'node server.js'] });
  });

  test('ENV expands against the earlier environment; variable forms', () => {
    expect(parseEnv('X=${Y:-d} Z=$Y/bin', { Y: 'y' })).toEqual({ X: 'y', Z: 'y/bin' });
    expect(expand('${NOPE:-fallback}:${Y:+set}:\\$Y', { Y: '1' })).toBe('fallback:set:$Y');
  });

  test('.dockerignore: directory patterns cover their contents, ** and exceptions, last rule wins', () => {
    const ig = new DockerIgnore('# c\nnode_modules\n**/*.log\n/.data*\ndocs\n!docs/keep.md\n');
    expect(ig.ignores('node_modules')).toBe(true);
    expect(ig.ignores('node_modules/a/b.js')).toBe(true);
    expect(ig.ignores('src/node_modules/x')).toBe(false); // plain patterns are anchored at the context root
    expect(ig.ignores('a/b/c.log')).toBe(true);
    expect(ig.ignores('x.log')).toBe(true);
    expect(ig.ignores('.data-test/f')).toBe(true);
    expect(ig.ignores('docs/a.md')).toBe(true);
    expect(ig.ignores('docs/keep.md')).toBe(false);
    expect(ig.ignores('src/server.ts')).toBe(false);
  });

  test('only allowlisted npm commands are replayed on the host', () => {
    const shell = (text: string) => ({ form: 'shell' as const, argv: ['/bin/sh', '-c', text], text });
    expect(isReplayable(shell('npm ci --omit=dev --ignore-scripts'))).toBe(true);
    expect(isReplayable(shell('npm ci && npm run build'))).toBe(true);
    expect(isReplayable(shell('npm cache clean --force'))).toBe(false);
    expect(isReplayable(shell('rm -rf /'))).toBe(false);
  });
});

describe('Dockerfile policy', () => {
  const byName = (name: string) => findStage(dockerfile, name);

  test('is multi-stage, every stage named and on node:20-bookworm-slim', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(3);
    for (const stage of dockerfile.stages) {
      expect(stage.name).toBeTruthy();
      expect(stage.base).toMatch(/^node:20(?:\.\d+)*-bookworm-slim(?:@sha256:[0-9a-f]{64})?$/);
    }
  });

  test('a build stage runs npm ci and npm run build; a deps stage installs production dependencies only', () => {
    const summaries = dockerfile.stages.slice(0, -1).map((s) => ({ stage: s, summary: summarizeStage(dockerfile, s) }));
    const build = summaries.find(({ summary }) => installsDevDependencies(summary) && summary.runs.some((r) => /\bnpm run build\b/.test(r.text)));
    const deps = summaries.find(({ summary }) => installsProdOnly(summary) && !installsDevDependencies(summary));
    expect(build).toBeDefined();
    expect(deps).toBeDefined();
  });

  test('every npm ci / install skips install scripts, and no stage installs with plain `npm install`', () => {
    for (const stage of dockerfile.stages) {
      for (const r of summarizeStage(dockerfile, stage).runs) {
        for (const part of r.text.split('&&')) {
          if (/\bnpm (?:ci|prune)\b/.test(part)) expect(part).toMatch(/--ignore-scripts\b|\bnpm prune\b/);
          expect(part).not.toMatch(/\bnpm (?:install|i)\b/);
        }
      }
    }
  });

  test('final stage: production ENV, the port it EXPOSEs, STOPSIGNAL SIGTERM', () => {
    expect(final.env).toMatchObject({ NODE_ENV: 'production', STACK: 'aws', HOST: '0.0.0.0', PORT: '3000' });
    expect(final.expose.map((p) => p.replace(/\/tcp$/, ''))).toContain(final.env.PORT);
    expect(final.stopSignal).toBe('SIGTERM');
    if (final.env.SHUTDOWN_TIMEOUT_MS !== undefined) {
      // The app's own drain must end before `docker stop` gives up and SIGKILLs it.
      expect(Number(final.env.SHUTDOWN_TIMEOUT_MS)).toBeLessThan(STOP_TIMEOUT_MS);
    }
  });

  test('final stage runs as a non-root user, set before CMD and after every RUN', () => {
    expect(final.user).toBeDefined();
    expect(final.user!.split(':')[0]).not.toMatch(/^(?:root|0)$/);
    const keywords = finalStage.instructions.map((i) => i.keyword);
    const lastUser = keywords.lastIndexOf('USER');
    expect(lastUser).toBeLessThan(keywords.lastIndexOf('CMD'));
    expect(keywords.slice(lastUser).filter((k) => k === 'RUN')).toEqual([]);
  });

  test('CMD is the exec form `node dist/server.js`, with no ENTRYPOINT of our own', () => {
    expect(final.cmd).toEqual(expect.objectContaining({ form: 'exec', argv: ['node', 'dist/server.js'] }));
    // The base image's docker-entrypoint.sh execs "$@", so node ends up as PID 1.
    expect(final.entrypoint).toBeUndefined();
  });

  test('HEALTHCHECK probes /health/live with node, never curl or wget', () => {
    const hc = final.healthcheck;
    expect(hc?.none).toBe(false);
    expect(hc!.command!.argv[0]).toBe('node');
    expect(hc!.command!.text).toMatch(/\/health\/live/);
    expect(hc!.command!.text).not.toMatch(/\b(?:curl|wget)\b/);
    expect(hc!.options).toEqual(expect.objectContaining({ interval: expect.any(String), timeout: expect.any(String) }));
  });

  test('final stage copies node_modules only from the prod-deps stage, and no whole folder from anywhere', () => {
    expect(final.runs).toEqual([]); // it installs nothing itself
    const modules = final.copies.filter((c) => c.sources.some((s) => /(?:^|\/)node_modules(?:\/|$)/.test(s)));
    expect(modules.length).toBe(1);
    const source = byName(modules[0]!.from ?? '')!;
    expect(source).toBeDefined();
    const sourceSummary = summarizeStage(dockerfile, source);
    expect(installsProdOnly(sourceSummary)).toBe(true);
    expect(installsDevDependencies(sourceSummary)).toBe(false);
    for (const copy of final.copies) {
      for (const s of copy.sources) {
        expect(s.replace(/\/+$/, '')).not.toMatch(/^(?:\.|\/|\/app|\*)$/); // no `COPY . .`, no whole stage root
        if (copy.from !== undefined && !installsProdOnly(summarizeStage(dockerfile, byName(copy.from)!))) {
          expect(s).not.toMatch(/node_modules/);
        }
      }
    }
  });

  test('.dockerignore keeps dependencies, local data, secrets, VCS and non-API folders out of the context', () => {
    for (const p of [
      'node_modules',
      'node_modules/fastify/package.json',
      'dist/server.js',
      '.data/s3/x',
      '.data-test/db',
      '.git/HEAD',
      '.sst/platform/x',
      '.env',
      'coverage/lcov.info',
      'mobile/App.tsx',
      'test/deploy/dockerfile.test.ts',
      'bench/run.ts',
      'docs/api.md',
      'npm-debug.log',
      'src/sub/debug.log',
    ]) {
      expect([p, ignore.ignores(p)]).toEqual([p, true]);
    }
    for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/server.ts', 'src/routes/health/index.ts']) {
      expect([p, ignore.ignores(p)]).toEqual([p, false]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function get(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

function runToExit(argv: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function parseDuration(value: string | undefined, fallbackMs: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value ?? '');
  if (!m) return fallbackMs;
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}

const describeReplay = REPLAY ? describe : describe.skip;

describeReplay('Dockerfile replay in a clean temp folder', () => {
  let tmp: string;
  let contextFiles: string[] = [];
  let stages = new Map<number, StageResult>();
  let finalResult: StageResult;
  let appDir: string;
  let server: ChildProcess | undefined;
  let serverOutput = '';
  let serverExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  let port = 0;
  let runEnv: Record<string, string> = {};
  let prefix: string[] = [];
  let asPid1 = false;
  const replayStarted = Date.now();
  const identity = hostIdentity(final.user);

  beforeAll(async () => {
    tmp = await makeTempDir('auroravault-docker-');
    const context = path.join(tmp, 'context');
    const snap = await snapshotContext(REPO, ignore, context);
    contextFiles = snap.files;
    const hostEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      // The image build has no cache; here the machine's npm cache only saves downloads.
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
    };
    stages = await replay({ dockerfile, contextDir: context, workDir: tmp, hostEnv, log: (m) => console.log(m) }, finalStage);
    finalResult = stages.get(finalStage.index)!;
    appDir = path.join(finalResult.root, finalResult.workdir);
    console.log(
      `replay: context ${snap.files.length} files / ${(snap.bytes / 1024).toFixed(0)} KiB; stages ${[...stages.values()]
        .map((s) => `${s.stage.name}=${(s.durationMs / 1000).toFixed(1)}s`)
        .join(' ')}; total ${((Date.now() - replayStarted) / 1000).toFixed(1)} s`,
    );
  }, 480_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await serverExit;
    }
    if (tmp && process.env.DOCKER_REPLAY_KEEP !== '1') await fsp.rm(tmp, { recursive: true, force: true });
  }, 60_000);

  test('the build context holds the sources and nothing .dockerignore excludes', () => {
    expect(contextFiles).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']));
    expect(contextFiles.some((f) => f.startsWith('src/'))).toBe(true);
    const leaked = contextFiles.filter((f) => /^(?:node_modules|dist|\.git|\.data[^/]*|\.sst|test|coverage|mobile)(?:\/|$)|(?:^|\/)\.env$/.test(f));
    expect(leaked).toEqual([]);
  });

  test('the final folder holds exactly what its COPY lines bring: node_modules, dist/, package.json', async () => {
    expect((await fsp.readdir(appDir)).sort()).toEqual(['dist', 'node_modules', 'package.json']);
    await expect(fsp.stat(path.join(appDir, 'dist', 'server.js'))).resolves.toBeTruthy();
    const size = await folderSize(appDir);
    const modules = await folderSize(path.join(appDir, 'node_modules'));
    console.log(
      `final stage folder ${appDir}: ${(size.bytes / 1024 / 1024).toFixed(1)} MiB in ${size.files} files ` +
        `(node_modules ${(modules.bytes / 1024 / 1024).toFixed(1)} MiB; add ~200 MB for the node:20-bookworm-slim base)`,
    );
   }, 60_000);

  test('final node_modules has every production package and no dev-only package', async () => {
    const lock = JSON.parse(await fsp.readFile(path.join(tmp, 'context', 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }> };
    const present = async (rel: string) => fsp.stat(path.join(appDir, rel)).then(() => true, () => false);
    const devLeaks: string[] = [];
    const missing: string[] = [];
    for (const [rel, meta] of Object.entries(lock.packages)) {
      if (!rel.startsWith('node_modules/')) continue;
      if (meta.dev) {
        if (await present(rel)) devLeaks.push(rel);
      } else if (!meta.optional && !meta.devOptional) {
        if (!(await present(rel))) missing.push(rel);
      }
    }
    expect(devLeaks).toEqual([]);
    expect(missing).toEqual([]);
    for (const name of ['typescript', 'jest', 'fauxqs', '@swc/core', 'tsx', ...Object.keys(pkg.devDependencies ?? {})]) {
      if (pkg.dependencies?.[name]) continue;
      expect([name, await present(`node_modules/${name}`)]).toEqual([name, false]);
    }
   }, 60_000);

  test(
    'CMD starts as an unprivileged user with the image ENV and answers /health/live',
    async () => {
      port = await freePort();
      const closed = `http://127.0.0.1:${await freePort()}`; // nothing listens there: every AWS call fails fast
      runEnv = {
        PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${path.dirname(process.execPath)}`,
        HOME: '/nonexistent',
        HOSTNAME: 'replay',
        ...finalResult.env,
        PORT: String(port),
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAREPLAYTEST000000',
        AWS_SECRET_ACCESS_KEY: 'replay-test-secret',
        AWS_EC2_METADATA_DISABLED: 'true',
        S3_BUCKET: 'auroravault-replay-photos',
        DYNAMODB_TABLE: 'auroravault-replay',
        SQS_QUEUE_URL: `${closed}/000000000000/auroravault-jobs`,
        SQS_DLQ_URL: `${closed}/000000000000/auroravault-jobs-dlq`,
        SES_FROM_ADDRESS: 'no-reply@example.com',
        COGNITO_USER_POOL_ID: 'us-east-1_AbC123',
        COGNITO_CLIENT_ID: 'replayclientid',
        EVENT_BUS_NAME: 'auroravault-replay',
        CURSOR_SECRET: 'replay-cursor-secret-0123456789abcdef',
        AWS_ENDPOINT_URL_S3: closed,
        AWS_ENDPOINT_URL_DYNAMODB: closed,
        AWS_ENDPOINT_URL_SQS: closed,
        AWS_ENDPOINT_URL_SES: closed,
        AWS_ENDPOINT_URL_EVENTBRIDGE: closed,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: closed,
      };
      expect(runEnv.STACK).toBe('aws');
      expect(runEnv.NODE_ENV).toBe('production');
      prefix = dropPrivileges(identity);
      asPid1 = canRunAsPid1();
      const argv = [...(asPid1 ? ['unshare', '--pid', '--fork', '--kill-child'] : []), ...prefix, ...final.cmd!.argv];
      console.log(`starting ${argv.join(' ')} in ${appDir} (container USER ${final.user} -> host ${identity.name}; PID 1: ${asPid1})`);
      const child = spawn(argv[0]!, argv.slice(1), { cwd: appDir, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      server = child;
      child.stdout!.on('data', (d: Buffer) => (serverOutput += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (serverOutput += d.toString()));
      serverExit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

      const startPeriod = parseDuration(final.healthcheck?.options['start-period'], 15_000);
      const deadline = Date.now() + startPeriod;
      let live: { status: number; body: string } | undefined;
      while (Date.now() < deadline && child.exitCode === null) {
        live = await get(`http://127.0.0.1:${port}/health/live`).catch(() => undefined);
        if (live) break;
        await sleep(200);
      }
      if (!live) throw new Error(`server did not answer within ${startPeriod} ms (exit ${child.exitCode}):\n${serverOutput.slice(-4000)}`);
      expect(live.status).toBe(200);
      expect(JSON.parse(live.body)).toMatchObject({ status: 'ok' });

      // It really runs as the unprivileged user.
      if (process.getuid?.() === 0) {
        const nodePid = asPid1 ? Number((await fsp.readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')).trim().split(/\s+/)[0]) : child.pid!;
        const status = await fsp.readFile(`/proc/${nodePid}/status`, 'utf8');
        expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(identity.uid));
        if (asPid1) expect(/^NSpid:\s+\d+\s+(\d+)/m.exec(status)?.[1]).toBe('1');
      }
    },
    60_000,
  );

  test('the HEALTHCHECK command, run as the container user, exits 0', async () => {
    expect(server?.exitCode).toBeNull();
    const hc = final.healthcheck!.command!;
    const timeoutMs = parseDuration(final.healthcheck!.options.timeout, 30_000);
    const t0 = Date.now();
    const result = await runToExit([...prefix, ...hc.argv], { cwd: appDir, env: runEnv, timeoutMs });
    console.log(`HEALTHCHECK exit ${result.code} in ${Date.now() - t0} ms`);
    expect([result.code, result.output]).toEqual([0, '']);
  }, 30_000);

  test(`SIGTERM: an in-flight request completes and the server exits 0 within docker stop's ${STOP_TIMEOUT_MS / 1000} s grace period`, async () => {
    expect(server?.exitCode).toBeNull();
    // Signal node itself, as the engine does: with unshare, node is the child of the unshare process.
    const target = asPid1 ? Number((await fsp.readFile(`/proc/${server!.pid}/task/${server!.pid}/children`, 'utf8')).trim().split(/\s+/)[0]) : server!.pid!;
    const signal = (final.stopSignal ?? 'SIGTERM') as NodeJS.Signals;

    // /health/ready calls every (unreachable) AWS endpoint: slow enough to still be running when the signal lands.
    const logMark = serverOutput.length;
    const inFlight = get(`http://127.0.0.1:${port}/health/ready`, STOP_TIMEOUT_MS).then(
      (r) => ({ status: r.status }),
      (error: unknown) => ({ error: String(error) }),
    );
    // Signal once the server has logged the request (fastify's request log), else after a short pause.
    const seenBy = Date.now() + 2000;
    while (Date.now() < seenBy && !/"url":"\/health\/ready"/.test(serverOutput.slice(logMark))) await sleep(5);
    const seen = /"url":"\/health\/ready"/.test(serverOutput.slice(logMark));

    const t0 = Date.now();
    process.kill(target, signal);
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      serverExit!,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    const elapsed = Date.now() - t0;
    const request = await inFlight;
    console.log(`${signal} -> ${JSON.stringify(exit)} after ${elapsed} ms; in-flight /health/ready (request logged before the signal: ${seen}) -> ${JSON.stringify(request)}`);
    if (exit === 'timeout') throw new Error(`still running ${STOP_TIMEOUT_MS} ms after ${signal}:\n${serverOutput.slice(-4000)}`);
    if (exit.code !== 0) console.log(`server output:\n${serverOutput.slice(-4000)}`);
    expect(exit).toEqual({ code: 0, signal: null });
    // Dependencies are unreachable, so readiness must say 503 - and the drain must let it say so.
    expect(request).toEqual({ status: 503 });
    expect(serverOutput.slice(logMark)).toMatch(/shutting down/);
  }, STOP_TIMEOUT_MS + 5_000);

  test('the HEALTHCHECK command fails once the server is gone', async () => {
    const hc = final.healthcheck!.command!;
    const result = await runToExit([...prefix, ...hc.argv], { cwd: appDir, env: runEnv, timeoutMs: 10_000 });
    expect(result.code).not.toBe(0);
  }, 15_000);
});
