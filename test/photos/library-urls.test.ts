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
