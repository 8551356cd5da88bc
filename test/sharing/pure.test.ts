import { ConfigError, DERIVED_SHARE_LINK_KID, loadConfig, shareLinkKeyring } from '../../src/config.js';
import { clientKey } from '../../src/sharing/ip-rate-limit.js';
import { redactUrl } from '../../src/logger.js';
import { hashPassword, SCRYPT_PARAMS, verifyPassword } from '../../src/sharing/password.js';
import { escapeHtml, viewPage } from '../../src/sharing/share-page.js';

/** The share links' pure parts: password hashing, per-address keys, log redaction, HTML escaping. */

describe('link passwords (scrypt)', () => {
  it('verifies the password it was made from, nothing else, and salts every hash', async () => {
    const [one, two] = await Promise.all([hashPassword('correct horse'), hashPassword('correct horse')]);
    expect(one).toMatch(new RegExp(`^scrypt\\$${SCRYPT_PARAMS.N}\\$${SCRYPT_PARAMS.r}\\$${SCRYPT_PARAMS.p}\\$[\\w-]{22}\\$[\\w-]{43}$`));
    expect(one).not.toBe(two);
    expect(await verifyPassword('correct horse', one)).toBe(true);
    expect(await verifyPassword('correct horse ', one)).toBe(false);
    expect(await verifyPassword('Correct horse', one)).toBe(false);
    // The same text in another Unicode normal form is the same password.
    const accented = await hashPassword('caf\u00e9 au lait');
    expect(await verifyPassword('cafe\u0301 au lait', accented)).toBe(true);
  });

  it('refuses a stored value it cannot read, or one asking for more work than it would ever store', async () => {
    const stored = await hashPassword('correct horse');
    const [, , r, p, salt, key] = stored.split('$');
    for (const bad of ['', 'plain', `bcrypt$1$2$3$${salt}$${key}`, `scrypt$${2 ** 20}$${r}$${p}$${salt}$${key}`, `scrypt$16384$8$1$${salt}$${key!.slice(0, 10)}`]) {
      expect({ bad, ok: await verifyPassword('correct horse', bad) }).toEqual({ bad, ok: false });
    }
  });
});

describe('per-address keys', () => {
  it('an IPv4 address is itself; an IPv6 address counts as its /64, however it is written', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    const a = clientKey('2001:db8:1:2:aaaa::1');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(a);
    expect(clientKey('2001:DB8:1:2::')).toBe(a);
    expect(clientKey('2001:db8:1:3::1')).not.toBe(a);
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

it('log lines of share routes carry no token', () => {
  expect(redactUrl('/v1/shared/eyJhbGciOi.eyJsIjoi.sig?limit=5')).toBe('/v1/shared/[REDACTED]?limit=5');
  expect(redactUrl('/v1/shared/abc.def.ghi/photos')).toBe('/v1/shared/[REDACTED]/photos');
  expect(redactUrl('/s/abc.def.ghi?cursor=x&token=y')).toBe('/s/[REDACTED]?cursor=x&token=[REDACTED]');
  expect(redactUrl('/v1/photos/abc')).toBe('/v1/photos/abc');
});

it('the pages escape every value they show', () => {
  expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
  const page = viewPage({
    albumName: '<script>alert(1)</script>',
    photos: [
      {
        id: 'p1',
        status: 'ready',
        filename: '"><img src=x onerror=alert(2)>',
        contentType: 'image/jpeg',
        size: 1,
        sha256: 'x',
        takenAt: '2026-01-01T00:00:00Z',
        uploadedAt: '2026-01-01T00:00:00Z',
        urls: { thumbnail: 'https://s3.example/t?a=1&b="2"', preview: 'javascript:alert(3)' },
        addedAt: '2026-01-01T00:00:00Z',
        addedBy: { name: '<b>Guest</b>', guest: true },
      },
    ],
    nextCursor: 'a"b',
  });
  expect(page).not.toMatch(/<script|<img src=x|<b>Guest/);
  expect(page).toContain('src="https://s3.example/t?a=1&amp;b=&quot;2&quot;"');
  expect(page).toContain('Added by &lt;b&gt;Guest&lt;/b&gt;');
  expect(page).toContain('href="?cursor=a%22b"');
  expect(page).not.toContain('javascript:');
});

describe('share link keys in the configuration', () => {
  const base = { STACK: 'local', NODE_ENV: 'test' };
  const secret = 'x'.repeat(32);

  it('reads SHARE_LINK_KEYS and the signing key; one key signs by itself', () => {
    expect(loadConfig({ ...base, SHARE_LINK_KEYS: JSON.stringify({ k1: secret }) }).shareLinks).toMatchObject({ keys: { k1: secret }, signingKeyId: 'k1' });
    const two = loadConfig({ ...base, SHARE_LINK_KEYS: JSON.stringify({ k1: secret, k2: secret.replace(/x/g, 'y') }), SHARE_LINK_KEY_ID: 'k2' });
    expect(shareLinkKeyring(two)).toEqual({ keys: { k1: secret, k2: 'y'.repeat(32) }, signingKeyId: 'k2' });
  });

  it('refuses what cannot work, naming the variable and never repeating a secret', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ SHARE_LINK_KEYS: `not json ${secret}` }, /SHARE_LINK_KEYS: must be JSON/],
      [{ SHARE_LINK_KEYS: JSON.stringify({ k1: 'short-secret' }) }, /SHARE_LINK_KEYS\.k1: each secret needs at least 32 characters/],
      [{ SHARE_LINK_KEYS: JSON.stringify({ 'bad kid!': secret }) }, /SHARE_LINK_KEYS/],
      [{ SHARE_LINK_KEYS: '{}' }, /SHARE_LINK_KEYS: names no key/],
      [{ SHARE_LINK_KEYS: JSON.stringify({ k1: secret, k2: secret }) }, /SHARE_LINK_KEY_ID: required when SHARE_LINK_KEYS holds several keys/],
      [{ SHARE_LINK_KEYS: JSON.stringify({ k1: secret }), SHARE_LINK_KEY_ID: 'k9' }, /SHARE_LINK_KEY_ID: k9 is not a key of SHARE_LINK_KEYS/],
      [{ SHARE_LINK_KEY_ID: 'k1' }, /SHARE_LINK_KEY_ID: set without SHARE_LINK_KEYS/],
    ];
    for (const [env, message] of cases) {
      let error: unknown;
      try {
        loadConfig({ ...base, ...env });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('without SHARE_LINK_KEYS, one key derived from the cursor secret: the same on every instance, not the secret itself', () => {
    const config = loadConfig({ ...base, CURSOR_SECRET: 'c'.repeat(40) });
    const ring = shareLinkKeyring(config);
    expect(ring.signingKeyId).toBe(DERIVED_SHARE_LINK_KID);
    expect(ring.keys[DERIVED_SHARE_LINK_KID]).toHaveLength(43);
    expect(ring.keys[DERIVED_SHARE_LINK_KID]).not.toContain('cccc');
    expect(shareLinkKeyring(loadConfig({ ...base, CURSOR_SECRET: 'c'.repeat(40) }))).toEqual(ring);
    expect(shareLinkKeyring(loadConfig({ ...base, CURSOR_SECRET: 'd'.repeat(40) })).keys[DERIVED_SHARE_LINK_KID]).not.toBe(ring.keys[DERIVED_SHARE_LINK_KID]);
  });

  it('rate limits on in production only; collect limits have defaults', () => {
    expect(loadConfig(base).rateLimits).toMatchObject({ sharedPerIpPerMinute: undefined, guestUploadsPerIpPerMinute: undefined });
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).rateLimits).toMatchObject({ sharedPerIpPerMinute: 120, guestUploadsPerIpPerMinute: 10 });
    expect(loadConfig(base).shareLinks).toMatchObject({ maxFileBytes: 100 * 1024 ** 2, maxFilesPerRequest: 20, dayMs: 86_400_000 });
  });
});
