import fc from 'fast-check';
import { createPresigner } from '../../src/aws/s3-presigner.js';
import { anyCodePoint } from '../fuzz/arbitraries.js';
import { attachmentDisposition, MAX_SAVED_NAME, presignedUrlSigner, savedFileName, urlWindowStart, URL_EXPIRES_SECONDS } from '../../src/photos/url-signer.js';

const presigner = createPresigner({
  region: 'us-east-1',
  bucket: 'photos',
  credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }),
});
const signer = presignedUrlSigner(presigner);
const key = 'users/u1/photos/p1';

describe('photo URL signer', () => {
  it('rounds down to 10-minute windows', () => {
    expect(urlWindowStart(new Date('2026-03-01T10:19:59.999Z')).toISOString()).toBe('2026-03-01T10:10:00.000Z');
    expect(urlWindowStart(new Date('2026-03-01T10:20:00.000Z')).toISOString()).toBe('2026-03-01T10:20:00.000Z');
  });

  it('gives the same URL throughout a window and a new one in the next; it expires 20 minutes after the window start', async () => {
    const a = await signer.signGet(key, new Date('2026-03-01T10:10:00.000Z'));
    const b = await signer.signGet(key, new Date('2026-03-01T10:19:59.000Z'));
    const c = await signer.signGet(key, new Date('2026-03-01T10:20:00.000Z'));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    const url = new URL(a);
    expect(url.pathname).toBe(`/${key}`);
    expect(url.searchParams.get('X-Amz-Date')).toBe('20260301T101000Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(URL_EXPIRES_SECONDS));
    expect(URL_EXPIRES_SECONDS).toBe(1200);
    expect(await signer.signGet('users/u1/photos/p2', new Date('2026-03-01T10:10:00.000Z'))).not.toBe(a);
  });
});

describe('photo URL signer cache', () => {
  /** The real presigner, counting what it signs; `credentials` decides what each signature uses. */
  function counting(credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>) {
    const real = createPresigner({ region: 'us-east-1', bucket: 'photos', credentials });
    const calls = { count: 0 };
    const presigner = {
      ...real,
      presignGet: (input: Parameters<typeof real.presignGet>[0]) => {
        calls.count++;
        return real.presignGet(input);
      },
    };
    return { presigner, calls };
  }
  const creds = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
  const at = (iso: string) => new Date(iso);

  it('signs a key once per window and hands the same URL out synchronously after that', async () => {
    const { presigner, calls } = counting(creds);
    const cached = presignedUrlSigner(presigner);
    const first = await cached.signGet(key, at('2026-03-01T10:10:00.000Z'));
    const again = cached.signGet(key, at('2026-03-01T10:17:30.000Z'));
    expect(typeof again).toBe('string');
    expect(again).toBe(first);
    expect(calls.count).toBe(1);
    // What an uncached signer gives for the same window: caching changes nothing in the URL.
    expect(first).toBe(await presignedUrlSigner(createPresigner({ region: 'us-east-1', bucket: 'photos', credentials: creds })).signGet(key, at('2026-03-01T10:12:00.000Z')));
  });

  it('signs anew in the next window and keeps the previous window for late clocks, not older ones', async () => {
    const { presigner, calls } = counting(creds);
    const cached = presignedUrlSigner(presigner);
    const w1 = await cached.signGet(key, at('2026-03-01T10:10:00.000Z'));
    const w2 = await cached.signGet(key, at('2026-03-01T10:20:00.000Z'));
    expect(w2).not.toBe(w1);
    expect(new URL(w2).searchParams.get('X-Amz-Date')).toBe('20260301T102000Z');
    expect(cached.signGet(key, at('2026-03-01T10:19:59.999Z'))).toBe(w1);
    expect(calls.count).toBe(2);
    await cached.signGet(key, at('2026-03-01T10:30:00.000Z'));
    // Two windows back: dropped, signed again (and still the same URL, as signing is deterministic).
    expect(await cached.signGet(key, at('2026-03-01T10:10:00.000Z'))).toBe(w1);
    expect(calls.count).toBe(4);
  });

  it('keeps at most maxEntries URLs, dropping the oldest', async () => {
    const { presigner, calls } = counting(creds);
    const cached = presignedUrlSigner(presigner, { maxEntries: 2 });
    const now = at('2026-03-01T10:10:00.000Z');
    for (const k of ['users/u1/a', 'users/u1/b', 'users/u1/c']) await cached.signGet(k, now);
    expect(calls.count).toBe(3);
    expect(typeof cached.signGet('users/u1/c', now)).toBe('string');
    expect(typeof cached.signGet('users/u1/a', now)).not.toBe('string');
  });

  it('does not keep a URL cut short by expiring credentials: the next call signs with the refreshed ones', async () => {
    let expiration = new Date('2026-03-01T10:15:00.000Z');
    let token = 'session-1';
    const { presigner, calls } = counting(async () => ({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: token, expiration }));
    const cached = presignedUrlSigner(presigner);
    const first = await cached.signGet(key, at('2026-03-01T10:10:00.000Z'));
    expect(new URL(first).searchParams.get('X-Amz-Security-Token')).toBe('session-1');
    expiration = new Date('2026-03-01T11:00:00.000Z');
    token = 'session-2';
    const second = await cached.signGet(key, at('2026-03-01T10:11:00.000Z'));
    expect(new URL(second).searchParams.get('X-Amz-Security-Token')).toBe('session-2');
    expect(calls.count).toBe(2);
    expect(cached.signGet(key, at('2026-03-01T10:12:00.000Z'))).toBe(second);
  });
});

/** The parameters of a Content-Disposition value, `filename*` decoded (RFC 8187). */
function parseDisposition(value: string): { type: string; filename: string; filenameStar?: string } {
  const match = /^(attachment); filename="([^"\\]*)"(?:; filename\*=UTF-8''([A-Za-z0-9%\-._~#$&+^`|]*))?$/.exec(value);
  if (!match) throw new Error(`not the expected shape: ${value}`);
  return { type: match[1]!, filename: match[2]!, ...(match[3] !== undefined ? { filenameStar: decodeURIComponent(match[3]) } : {}) };
}
/** What a browser saves: filename* when present, else filename. */
const savedAs = (value: string) => parseDisposition(value).filenameStar ?? parseDisposition(value).filename;

describe('attachmentDisposition (RFC 6266 / RFC 8187)', () => {
  it.each([
    ['IMG_0001.HEIC', 'IMG_0001.HEIC', 'IMG_0001.HEIC'],
    ['Été à Noël.jpg', 'Ete a Noel.jpg', 'Été à Noël.jpg'],
    ['写真 😀.jpg', '__ _.jpg', '写真 😀.jpg'],
    ['👩‍👩‍👧.jpg', '_____.jpg', '👩‍👩‍👧.jpg'],
    ['say "cheese" \\ 100%.jpg', 'say _cheese_ _ 100_.jpg', 'say "cheese" _ 100%.jpg'],
    ['../../etc/passwd', '_.._etc_passwd', '_.._etc_passwd'],
    ['.hidden', 'hidden', 'hidden'],
    ['C:\\Users\\me\\a.png', 'C:_Users_me_a.png', 'C:_Users_me_a.png'],
    ['photo\u202egpj.exe', 'photogpj.exe', 'photogpj.exe'],
    ['שלום\u200f.jpg', '____.jpg', 'שלום.jpg'],
    ['a\r\nSet-Cookie: x=1\u0000.jpg', 'aSet-Cookie: x=1.jpg', 'aSet-Cookie: x=1.jpg'],
    ["it's (1) *!.jpg", "it's (1) *!.jpg", "it's (1) *!.jpg"],
    ['\u0007\u202e', 'photo', 'photo'],
    ['lone \ud800 half.jpg', 'lone  half.jpg', 'lone  half.jpg'],
  ])('%j saves as %j (ASCII) / %j', (filename, ascii, utf8) => {
    const value = attachmentDisposition(filename);
    expect(value).toMatch(/^[\x20-\x7e]+$/);
    // filename* only when the ASCII name is not the name itself.
    expect(parseDisposition(value)).toEqual({ type: 'attachment', filename: ascii, ...(ascii === utf8 ? {} : { filenameStar: utf8 }) });
  });

  it('escapes what RFC 8187 leaves out of attr-char', () => {
    expect(attachmentDisposition("it's (1) *!ü.jpg")).toBe(`attachment; filename="it's (1) *!u.jpg"; filename*=UTF-8''it%27s%20%281%29%20%2A%21%C3%BC.jpg`);
    expect(attachmentDisposition('IMG_0001.HEIC')).toBe('attachment; filename="IMG_0001.HEIC"');
  });

  it(`cuts a long name to ${MAX_SAVED_NAME} code points, keeping the extension and whole emoji`, () => {
    const name = savedFileName(`${'😀'.repeat(300)}.jpeg`);
    expect(Array.from(name)).toHaveLength(MAX_SAVED_NAME);
    expect(name.endsWith('😀.jpeg')).toBe(true);
  });

  it('for any name: printable ASCII, and what a browser saves is the saved name', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: anyCodePoint, maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 80 })), (filename) => {
        const value = attachmentDisposition(filename);
        expect(value).toMatch(/^[\x20-\x7e]+$/);
        const saved = savedFileName(filename);
        expect(savedAs(value)).toBe(saved);
        expect(saved).not.toMatch(/[/\\\p{Cc}\u202a-\u202e\u2066-\u2069]/u);
        expect(saved.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('photo URL signer: download names', () => {
  const at = new Date('2026-03-01T10:12:00.000Z');

  it('signs response-content-disposition into the URL, cached per key and name', async () => {
    const real = createPresigner({ region: 'us-east-1', bucket: 'photos', credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }) });
    let signed = 0;
    const cached = presignedUrlSigner({ ...real, presignGet: (input) => (signed++, real.presignGet(input)) });
    const plain = await cached.signGet(key, at);
    const named = await cached.signGet(key, at, 'Été "1".jpg');
    const renamed = await cached.signGet(key, at, 'other.jpg');
    expect(new Set([plain, named, renamed]).size).toBe(3);
    expect(new URL(named).searchParams.get('response-content-disposition')).toBe(attachmentDisposition('Été "1".jpg'));
    expect(new URL(plain).searchParams.has('response-content-disposition')).toBe(false);
    // The last (key, name) signed is kept for the window and handed out synchronously; another name
    // for the key is never given a URL signed for the first.
    expect(cached.signGet(key, at, 'other.jpg')).toBe(renamed);
    expect(cached.signGet(key, at, 'other.jpg')).toBe(renamed);
    expect(signed).toBe(3);
    expect(await cached.signGet(key, at, 'Été "1".jpg')).toBe(named);
    expect(cached.signGet(key, at, 'Été "1".jpg')).toBe(named);
    expect(signed).toBe(4);
  });
});
