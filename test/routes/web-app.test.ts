import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localStack, startApp, type RunningApp } from '../helpers/stack.js';

const INDEX_HTML = '<!DOCTYPE html><html><head><title>AuroraVault</title></head><body><div id="root"></div></body></html>';
const BUNDLE = '_expo/static/js/web/index-eb4629b4ce3ca3d2446f3f253ca76bdb.js';
const ASSET = 'assets/node_modules/@react-navigation/elements/lib/module/assets/back-icon.35ba0eaec5a4f5ed12ca16fabeae451d.png';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** A folder shaped like `expo export --platform web` output, with the build stamp beside it. */
function fixtureBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-web-'));
  const write = (file: string, content: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  };
  write('index.html', INDEX_HTML);
  write(BUNDLE, 'console.log("app bundle");');
  write(ASSET, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  write('metadata.json', '{"version":0}');
  write('.fingerprint', 'secret-ish build stamp');
  return dir;
}

describe('the app web build served at / (WEB_APP_DIR)', () => {
  const dir = fixtureBuild();
  let server: RunningApp;
  beforeAll(async () => (server = await startApp({ WEB_APP_DIR: dir })));
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('GET / is the page, revalidated on every load', async () => {
    const response = await fetch(`${server.url}/`, { headers: HTML });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INDEX_HTML);
  });

  it('a browser opening a deep app URL gets the page (the app routes it), with no-cache', async () => {
    const response = await fetch(`${server.url}/photos/abc?from=grid`, { headers: HTML });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INDEX_HTML);
  });

  it('hashed bundles and assets are cached for a year as immutable, with their content type', async () => {
    const bundle = await fetch(`${server.url}/${BUNDLE}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(await bundle.text()).toBe('console.log("app bundle");');

    const asset = await fetch(`${server.url}/${ASSET}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('image/png');
  });

  it('an unhashed file is revalidated', async () => {
    const response = await fetch(`${server.url}/metadata.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it('API paths keep their problem+json 404, even for a browser asking for HTML', async () => {
    for (const url of ['/v1/nope', '/v1', '/health/nope', '/_dev/nope']) {
      const response = await fetch(`${server.url}${url}`, { headers: HTML });
      expect({ url, status: response.status, type: response.headers.get('content-type') }).toEqual({
        url,
        status: 404,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect(await response.json()).toMatchObject({ status: 404 });
    }
  });

  it('the API still answers on its routes', async () => {
    const response = await fetch(`${server.url}/health/live`, { headers: HTML });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('a missing bundle is a 404, not the page (a script asks for */*)', async () => {
    const response = await fetch(`${server.url}/_expo/static/js/web/index-00000000000000000000000000000000.js`, { headers: { accept: '*/*' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('does not serve the build stamp or anything outside the build folder', async () => {
    expect((await fetch(`${server.url}/.fingerprint`)).status).toBe(404);
    const outside = await fetch(`${server.url}/..%2f..%2fetc%2fpasswd`);
    expect(outside.status).toBe(404);
    expect(await outside.text()).not.toContain('root:');
  });

  it("the page's CSP lets the app call the API here and the bucket's presigned URLs on its own origin", async () => {
    const response = await fetch(`${server.url}/`, { headers: HTML });
    const csp = response.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    const s3 = new URL(localStack().endpoints.s3).origin;
    expect(directives['connect-src']).toEqual(expect.arrayContaining(["'self'", s3, 'blob:']));
    expect(directives['img-src']).toEqual(expect.arrayContaining(["'self'", s3, 'data:', 'blob:']));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(csp).not.toContain('upgrade-insecure-requests');
  });
});

describe('without WEB_APP_DIR', () => {
  let server: RunningApp;
  beforeAll(async () => (server = await startApp()));
  afterAll(() => server.close());

  it('serves no app: / is a problem+json 404', async () => {
    const response = await fetch(`${server.url}/`, { headers: HTML });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
