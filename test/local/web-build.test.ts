import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ensureWebBuild,
  localAppOrigins,
  readWebBuildInputs,
  runExpoExport,
  STAMP_FILE,
  webBuildFingerprint,
  type BuildRequest,
  type WebBuildResult,
} from '../../src/local/web-build.js';

const file = (p: string, content: string) => ({ path: p, content: Buffer.from(content) });

describe('webBuildFingerprint', () => {
  const inputs = [file('App.tsx', 'export default App'), file('src/ui/kit.tsx', 'export const a = 1'), file('package-lock.json', '{}')];

  it('changes when a source file changes', () => {
    const changed = inputs.map((f) => (f.path === 'src/ui/kit.tsx' ? file(f.path, 'export const a = 2') : f));
    expect(webBuildFingerprint(changed)).not.toBe(webBuildFingerprint(inputs));
  });

  it('changes when a file is renamed, added or removed', () => {
    const base = webBuildFingerprint(inputs);
    expect(webBuildFingerprint(inputs.map((f) => (f.path === 'App.tsx' ? file('Main.tsx', f.content.toString()) : f)))).not.toBe(base);
    expect(webBuildFingerprint([...inputs, file('src/new.ts', '')])).not.toBe(base);
    expect(webBuildFingerprint(inputs.slice(1))).not.toBe(base);
  });

  it('does not depend on the order the files were read in, and changes with the build recipe', () => {
    expect(webBuildFingerprint([...inputs].reverse())).toBe(webBuildFingerprint(inputs));
    expect(webBuildFingerprint(inputs, 'another recipe')).not.toBe(webBuildFingerprint(inputs));
  });

  it('does not let content slide across a file boundary', () => {
    expect(webBuildFingerprint([file('a', 'xy'), file('b', '')])).not.toBe(webBuildFingerprint([file('a', 'x'), file('b', 'y')]));
  });
});

/** A mobile/ folder with an install (a fake expo binary) and the files the app is built from. */
function fixtureApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-mobile-'));
  const write = (p: string, content: string, mode?: number) => {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), content, { mode });
  };
  write('package.json', '{"name":"app","main":"index.ts"}');
  write('package-lock.json', '{"lockfileVersion":3}');
  write('App.tsx', 'export default function App() { return null; }');
  write('index.ts', "import App from './App';");
  write('app.json', '{"expo":{"name":"AuroraVault"}}');
  write('src/screens/Login.tsx', 'export const Login = 1;');
  write('test/screens/Login.test.tsx', 'it("works", () => undefined);');
  // Prints the API URL it was given and its arguments as the "page", so a test can see both.
  write(
    'node_modules/.bin/expo',
    '#!/bin/sh\nout="$6"\nmkdir -p "$out/_expo/static/js/web"\nprintf "api=[%s] args=[%s]" "$EXPO_PUBLIC_API_URL" "$*" > "$out/index.html"\necho bundle > "$out/_expo/static/js/web/index-0123.js"\n[ -z "$FAIL_EXPORT" ] || { echo "SyntaxError in src/screens/Login.tsx" >&2; exit 7; }\n',
    0o755,
  );
  return dir;
}

/** A runner that writes a minimal build and counts its calls. */
function countingRunner() {
  const calls: BuildRequest[] = [];
  return {
    calls,
    run: async (request: BuildRequest) => {
      calls.push(request);
      fs.mkdirSync(request.outputDir, { recursive: true });
      fs.writeFileSync(path.join(request.outputDir, 'index.html'), `<html>build ${calls.length}</html>`);
    },
  };
}

describe('ensureWebBuild', () => {
  let mobileDir: string;
  let lines: string[];
  const log = (line: string) => lines.push(line);
  const outDir = () => path.join(mobileDir, 'dist');
  const page = () => fs.readFileSync(path.join(outDir(), 'index.html'), 'utf8');

  beforeEach(() => {
    mobileDir = fixtureApp();
    lines = [];
  });
  afterEach(() => fs.rmSync(mobileDir, { recursive: true, force: true }));

  it('builds on the first start, then reuses the build without running expo until a source changes', async () => {
    const runner = countingRunner();
    const first = await ensureWebBuild({ mobileDir, log, runBuild: runner.run });
    expect(first).toMatchObject({ status: 'built', dir: outDir() });
    expect(runner.calls).toHaveLength(1);
    expect(lines[0]).toMatch(/^Building the app's web version \(first start, or the app changed\): a minute or two…$/);
    expect(lines[1]).toMatch(/^App web version built in \d+\.\d s/);
    expect(fs.readFileSync(path.join(outDir(), STAMP_FILE), 'utf8').trim()).toBe(webBuildFingerprint(readWebBuildInputs(mobileDir)));

    lines = [];
    const warm = await ensureWebBuild({ mobileDir, log, runBuild: runner.run });
    expect(warm).toMatchObject({ status: 'reused', dir: outDir() });
    expect(runner.calls).toHaveLength(1);
    expect(lines).toEqual([]);

    // A test of the app is not part of the web build.
    fs.writeFileSync(path.join(mobileDir, 'test/screens/Login.test.tsx'), 'it("changed", () => undefined);');
    expect((await ensureWebBuild({ mobileDir, log, runBuild: runner.run })).status).toBe('reused');

    fs.writeFileSync(path.join(mobileDir, 'src/screens/Login.tsx'), 'export const Login = 2;');
    expect((await ensureWebBuild({ mobileDir, log, runBuild: runner.run })).status).toBe('built');
    expect(runner.calls).toHaveLength(2);
    expect(page()).toBe('<html>build 2</html>');
    // The build went to a side folder, renamed into place once complete; nothing of it is left over.
    expect(runner.calls.every((call) => path.dirname(call.outputDir) === mobileDir && call.outputDir !== outDir())).toBe(true);
    expect(fs.readdirSync(mobileDir).filter((name) => name.startsWith('.dist-partial-'))).toEqual([]);
  });

  it('a failed build serves nothing, says why, keeps the previous build untouched and retries on the next start', async () => {
    const runner = countingRunner();
    await ensureWebBuild({ mobileDir, log, runBuild: runner.run });
    const stamp = fs.readFileSync(path.join(outDir(), STAMP_FILE), 'utf8');
    fs.writeFileSync(path.join(mobileDir, 'src/screens/Login.tsx'), 'export const Login = ;');

    lines = [];
    const failing = async (request: BuildRequest) => {
      fs.mkdirSync(request.outputDir, { recursive: true });
      fs.writeFileSync(path.join(request.outputDir, 'index.html'), 'half a build');
      throw new Error('expo export exited with code 1:\nSyntaxError in src/screens/Login.tsx');
    };
    const result = await ensureWebBuild({ mobileDir, log, runBuild: failing });
    expect(result).toEqual<WebBuildResult>({ status: 'unavailable', reason: expect.stringContaining('SyntaxError in src/screens/Login.tsx') });
    expect(lines.at(-1)).toMatch(/^The app is not served: its web build failed: [\s\S]*The API runs anyway\.$/);
    expect(page()).toBe('<html>build 1</html>');
    expect(fs.readFileSync(path.join(outDir(), STAMP_FILE), 'utf8')).toBe(stamp);
    expect(fs.readdirSync(mobileDir).filter((name) => name.startsWith('.dist-partial-'))).toEqual([]);

    fs.writeFileSync(path.join(mobileDir, 'src/screens/Login.tsx'), 'export const Login = 3;');
    expect((await ensureWebBuild({ mobileDir, log, runBuild: runner.run })).status).toBe('built');
    expect(runner.calls).toHaveLength(2);
  });

  it('an export that wrote no index.html is a failed build', async () => {
    const result = await ensureWebBuild({ mobileDir, log, runBuild: async (request) => void fs.mkdirSync(request.outputDir, { recursive: true }) });
    expect(result).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('no index.html') });
    expect(fs.existsSync(outDir())).toBe(false);
  });

  it('an out dir whose stamp is missing (an older or hand-made folder) is rebuilt', async () => {
    const runner = countingRunner();
    fs.mkdirSync(outDir());
    fs.writeFileSync(path.join(outDir(), 'index.html'), 'stale');
    expect((await ensureWebBuild({ mobileDir, log, runBuild: runner.run })).status).toBe('built');
    expect(page()).toBe('<html>build 1</html>');
  });

  it('without the app install it serves nothing and says to run npm ci, without trying to build', async () => {
    fs.rmSync(path.join(mobileDir, 'node_modules'), { recursive: true });
    const runner = countingRunner();
    const result = await ensureWebBuild({ mobileDir, log, runBuild: runner.run });
    expect(result.status).toBe('unavailable');
    expect(runner.calls).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/^The app is not served: mobile\/node_modules is missing\. Run `npm ci` .*The API runs anyway\.$/)]);
  });

  it('removes the partial folder of a build whose process died', async () => {
    const orphan = path.join(mobileDir, '.dist-partial-999999999');
    fs.mkdirSync(orphan);
    await ensureWebBuild({ mobileDir, log, runBuild: countingRunner().run });
    expect(fs.existsSync(orphan)).toBe(false);
  });
});

describe('runExpoExport (with a stand-in expo binary)', () => {
  let mobileDir: string;
  const saved = process.env.EXPO_PUBLIC_API_URL;
  beforeEach(() => {
    mobileDir = fixtureApp();
    process.env.EXPO_PUBLIC_API_URL = 'http://192.168.1.20:3000';
  });
  afterEach(() => {
    fs.rmSync(mobileDir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.EXPO_PUBLIC_API_URL;
    else process.env.EXPO_PUBLIC_API_URL = saved;
    delete process.env.FAIL_EXPORT;
  });

  it('exports for the web with a cleared cache and no API URL, so the app calls the origin that serves it', async () => {
    const result = await ensureWebBuild({ mobileDir, log: () => undefined });
    expect(result.status).toBe('built');
    const page = fs.readFileSync(path.join(mobileDir, 'dist', 'index.html'), 'utf8');
    expect(page).toMatch(/^api=\[\] args=\[export --platform web --clear --output-dir \S+\.dist-partial-\d+\]$/);
  });

  it('a failing export reports its exit code and the end of its output', async () => {
    process.env.FAIL_EXPORT = '1';
    const outputDir = path.join(mobileDir, 'out');
    await expect(runExpoExport({ mobileDir, outputDir })).rejects.toThrow(/exited with code 7:\n[\s\S]*SyntaxError in src\/screens\/Login\.tsx/);
  });
});

describe('localAppOrigins (what the local bucket lets upload to it)', () => {
  it('is the loopback origins of the port when listening on loopback or on every interface', () => {
    for (const host of ['127.0.0.1', 'localhost', '0.0.0.0', '::']) {
      expect(localAppOrigins(host, 3000)).toEqual(['http://127.0.0.1:3000', 'http://localhost:3000']);
    }
  });

  it('adds a named host as a browser sends it in Origin', () => {
    expect(localAppOrigins('vault.test', 8080)).toEqual(['http://127.0.0.1:8080', 'http://localhost:8080', 'http://vault.test:8080']);
    expect(localAppOrigins('::1', 3000)).toContain('http://[::1]:3000');
  });
});
