import { createPresigner } from '../../src/aws/s3-presigner.js';
import { presignedUrlSigner, urlWindowStart, URL_EXPIRES_SECONDS } from '../../src/photos/url-signer.js';

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
