import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import {
  CloudFrontUrlSigner,
  cloudFrontBase64,
  customPolicy,
  encodeKeyPath,
  fromCloudFrontBase64,
} from '../../src/photos/cloudfront-url-signer.js';
import { photoKeys } from '../../src/photos/photo-id.js';
import { attachmentDisposition, URL_EXPIRES_SECONDS, URL_WINDOW_MS, urlWindowStart } from '../../src/photos/url-signer.js';

const domain = 'd111111abcdef8.cloudfront.net';
const keyPairId = 'K2JCJMDEHXQW5F';
let privatePem: string;
let publicKey: KeyObject;

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  publicKey = pair.publicKey;
});

const user = 'a1b2c3d4-0000-4000-8000-000000000001';
const other = 'f9e8d7c6-0000-4000-8000-000000000002';
// 10:03:27 UTC: inside the 10:00 window.
const now = new Date('2026-11-25T10:03:27.123Z');
const windowStart = urlWindowStart(now);

interface Parsed {
  origin: string;
  path: string;
  /** The signed statement: the Policy of a custom policy, or the one CloudFront rebuilds for a canned one. */
  policy: string;
  /** Whether the URL carries a Policy (custom) or Expires (canned). */
  kind: 'custom' | 'canned';
  policyJson: { Statement: { Resource: string; Condition: { DateLessThan: { 'AWS:EpochTime': number } } }[] };
  signature: Buffer;
  keyPairId: string | null;
  hashAlgorithm: string | null;
  rawQuery: string;
}

function parse(url: string): Parsed {
  const u = new URL(url);
  const rawQuery = u.search.slice(1);
  // CloudFront's alphabet (-, _, ~) needs no percent-encoding: the raw query is what we check.
  const raw = Object.fromEntries(rawQuery.split('&').map((pair) => pair.split('=') as [string, string]));
  const policy = raw.Policy !== undefined ? fromCloudFrontBase64(raw.Policy).toString('utf8') : cannedStatement(requestedUrl(url), Number(raw.Expires));
  return {
    origin: u.origin,
    path: u.pathname,
    policy,
    kind: raw.Policy !== undefined ? 'custom' : 'canned',
    policyJson: JSON.parse(policy) as Parsed['policyJson'],
    signature: fromCloudFrontBase64(raw.Signature!),
    keyPairId: raw['Key-Pair-Id'] ?? null,
    hashAlgorithm: raw['Hash-Algorithm'] ?? null,
    rawQuery,
  };
}

const SIGNING_PARAMETERS = new Set(['Expires', 'Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm']);

/** The URL as requested, its signing parameters taken out of the query (the rest kept as sent, in order). */
function requestedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const own = url
    .slice(q + 1)
    .split('&')
    .filter((pair) => !SIGNING_PARAMETERS.has(pair.split('=')[0]!));
  return own.length ? `${url.slice(0, q)}?${own.join('&')}` : url.slice(0, q);
}

/** A canned policy's statement, written out as the CloudFront Developer Guide gives it (whitespace removed). */
function cannedStatement(resource: string, expires: number): string {
  return `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
}

/** A policy Resource as CloudFront matches it: `*` any run of characters (the query too), `?` exactly one. */
function resourceMatches(resource: string, url: string): boolean {
  const pattern = resource.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`, 's').test(url);
}

/**
 * What CloudFront decides for a request with this raw URL at `at`, per its documented semantics (Developer
 * Guide, "Create a signed URL using a canned policy" / "... custom policy"): the signing parameters come
 * out of the query, each at most once, and the rest of the URL as sent is the requested URL; a canned URL
 * (`Expires`) must carry a signature over the statement rebuilt from the requested URL and its Expires;
 * a custom one (`Policy`) a signature over its Policy, whose Resource must match the requested URL; then
 * DateLessThan must be later than `at`. RSA PKCS#1 v1.5, SHA-1 unless `Hash-Algorithm=SHA256`.
 */
function cloudFrontDecides(url: string, at: Date): 'allowed' | 'malformed' | 'bad signature' | 'resource mismatch' | 'expired' {
  const q = url.indexOf('?');
  const pairs = q < 0 ? [] : url.slice(q + 1).split('&');
  const signing = new Map<string, string>();
  for (const pair of pairs) {
    const name = pair.split('=')[0]!;
    if (!SIGNING_PARAMETERS.has(name)) continue;
    if (signing.has(name)) return 'malformed';
    signing.set(name, pair.slice(name.length + 1));
  }
  const requested = requestedUrl(url);
  const hashName = signing.get('Hash-Algorithm') ?? 'SHA1';
  if (!['SHA1', 'SHA256'].includes(hashName) || signing.get('Key-Pair-Id') !== keyPairId || !signing.has('Signature')) return 'malformed';
  if (signing.has('Policy') === signing.has('Expires')) return 'malformed';
  const expires = signing.get('Expires');
  if (expires !== undefined && !/^\d+$/.test(expires)) return 'malformed';
  const statement = signing.has('Policy') ? fromCloudFrontBase64(signing.get('Policy')!).toString('utf8') : cannedStatement(requested, Number(expires));
  const signature = fromCloudFrontBase64(signing.get('Signature')!);
  if (!verify(hashName === 'SHA256' ? 'sha256' : 'sha1', Buffer.from(statement), publicKey, signature)) return 'bad signature';
  const parsed = JSON.parse(statement) as Parsed['policyJson'];
  const [only] = parsed.Statement;
  if (parsed.Statement.length !== 1 || !only || !resourceMatches(only.Resource, requested)) return 'resource mismatch';
  return only.Condition.DateLessThan['AWS:EpochTime'] > at.getTime() / 1000 ? 'allowed' : 'expired';
}

describe('CloudFrontUrlSigner', () => {
  it('signs a custom policy over the user prefix, expiring URL_EXPIRES_SECONDS after the window start', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const key = photoKeys.thumbnail(user, 'p1');
    const url = signer.signGet(key, now);
    const parsed = parse(url);

    expect(url.startsWith(`https://${domain}/${key}?`)).toBe(true);
    expect(Object.keys(Object.fromEntries(new URL(url).searchParams))).toEqual(['Policy', 'Signature', 'Key-Pair-Id']);
    expect(parsed.keyPairId).toBe(keyPairId);
    expect(parsed.hashAlgorithm).toBeNull();
    expect(parsed.policyJson).toEqual({
      Statement: [
        {
          Resource: `https://${domain}/users/${user}/*`,
          Condition: { DateLessThan: { 'AWS:EpochTime': windowStart.getTime() / 1000 + URL_EXPIRES_SECONDS } },
        },
      ],
    });
    // No whitespace: the signed bytes are the compact JSON.
    expect(parsed.policy).not.toMatch(/\s/);
  });

  it('uses CloudFront base64 (no +, = or / in Policy or Signature) and the signature verifies (RSA-SHA1 over the policy JSON)', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    // Enough users that both alphabets show up in some policy or signature.
    const queries = Array.from({ length: 40 }, (_, i) => signer.signGet(photoKeys.preview(`user-${i}`, 'p'), now).split('?')[1]!);
    for (const query of queries) {
      const values = query.split('&').map((pair) => pair.slice(pair.indexOf('=') + 1));
      for (const value of values) expect(value).not.toMatch(/[+=/%]/);
      const parsed = parse(`https://${domain}/x?${query}`);
      expect(verify('sha1', Buffer.from(parsed.policy), publicKey, parsed.signature)).toBe(true);
      // Not some other digest.
      expect(verify('sha256', Buffer.from(parsed.policy), publicKey, parsed.signature)).toBe(false);
    }
    expect(queries.join('')).toMatch(/[-~_]/);
  });

  it('cloudFrontBase64 replaces + with -, = with _, / with ~ (and back)', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x00]); // standard base64: "+/+/AA=="
    expect(bytes.toString('base64')).toBe('+/+/AA==');
    expect(cloudFrontBase64(bytes)).toBe('-~-~AA__');
    expect(fromCloudFrontBase64('-~-~AA__')).toEqual(bytes);
  });

  it('SHA-256 on request: signs with sha256 and adds Hash-Algorithm=SHA256', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem, hashAlgorithm: 'SHA256' });
    const parsed = parse(signer.signGet(photoKeys.original(user, 'p1'), now));
    expect(parsed.hashAlgorithm).toBe('SHA256');
    expect(parsed.rawQuery.endsWith('&Hash-Algorithm=SHA256')).toBe(true);
    expect(verify('sha256', Buffer.from(parsed.policy), publicKey, parsed.signature)).toBe(true);
  });

  it('a page of 50 thumbnails (plus previews and originals) of one user in one window costs one signature', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const ids = Array.from({ length: 50 }, (_, i) => `photo${i}`);
    const urls = ids.flatMap((id) => [photoKeys.thumbnail(user, id), photoKeys.preview(user, id), photoKeys.original(user, id)]).map((key, i) =>
      // Any moment of the window: same URL parameters.
      signer.signGet(key, new Date(windowStart.getTime() + ((i * 7919) % URL_WINDOW_MS))),
    );
    expect(signer.signatureCount).toBe(1);
    expect(new Set(urls.map((url) => url.split('?')[1])).size).toBe(1);
    expect(new Set(urls).size).toBe(150);
  });

  it('the same key in the same window gives the identical URL; two keys of the user share Policy, Signature and Key-Pair-Id', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const a1 = signer.signGet(photoKeys.thumbnail(user, 'a'), now);
    const a2 = signer.signGet(photoKeys.thumbnail(user, 'a'), new Date(windowStart.getTime() + URL_WINDOW_MS - 1));
    const b = signer.signGet(photoKeys.preview(user, 'b'), windowStart);
    expect(a2).toBe(a1);
    expect(parse(b).rawQuery).toBe(parse(a1).rawQuery);
    // A second signer (another instance) produces the same URL: RSA PKCS#1 v1.5 is deterministic.
    expect(new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem }).signGet(photoKeys.thumbnail(user, 'a'), now)).toBe(a1);
  });

  it('the next window gives a new policy (later expiry) and a new signature', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const key = photoKeys.thumbnail(user, 'a');
    const first = parse(signer.signGet(key, now));
    const next = parse(signer.signGet(key, new Date(windowStart.getTime() + URL_WINDOW_MS)));
    expect(next.policy).not.toBe(first.policy);
    expect(next.policyJson.Statement[0]!.Condition.DateLessThan['AWS:EpochTime'] - first.policyJson.Statement[0]!.Condition.DateLessThan['AWS:EpochTime']).toBe(
      URL_WINDOW_MS / 1000,
    );
    expect(next.signature.equals(first.signature)).toBe(false);
    expect(signer.signatureCount).toBe(2);
  });

  it("another user's keys get another policy (their own prefix)", () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const mine = parse(signer.signGet(photoKeys.thumbnail(user, 'a'), now));
    const theirs = parse(signer.signGet(photoKeys.thumbnail(other, 'a'), now));
    expect(theirs.policyJson.Statement[0]!.Resource).toBe(`https://${domain}/users/${other}/*`);
    expect(theirs.policy).not.toBe(mine.policy);
    expect(theirs.signature.equals(mine.signature)).toBe(false);
    expect(signer.signatureCount).toBe(2);
  });

  it('percent-encodes keys with odd characters in the path (the resource stays the user prefix)', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const key = `users/${user}/photos/My Photo (1)+ünïcode#?&=*'!.jpg`;
    const url = signer.signGet(key, now);
    const parsed = parse(url);
    expect(parsed.path).toBe(`/users/${user}/photos/My%20Photo%20%281%29%2B%C3%BCn%C3%AFcode%23%3F%26%3D%2A%27%21.jpg`);
    expect(decodeURIComponent(parsed.path.slice(1))).toBe(key);
    // Exactly three query parameters: nothing of the key leaked into the query string.
    expect([...new URL(url).searchParams.keys()]).toEqual(['Policy', 'Signature', 'Key-Pair-Id']);
    expect(parsed.policyJson.Statement[0]!.Resource).toBe(`https://${domain}/users/${user}/*`);
    expect(encodeKeyPath('a/b c/d')).toBe('a/b%20c/d');
  });

  it('keys outside a plain users/<id>/ prefix get a canned exact-URL signature (never a wildcard they could widen)', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    for (const key of ['users/we*ird/photos/p', 'users/../photos/p', 'shared/p.jpg', 'users/a b/p']) {
      const url = signer.signGet(key, now);
      const parsed = parse(url);
      expect(parsed.kind).toBe('canned');
      expect(parsed.policyJson.Statement[0]!.Resource).toBe(url.split('?')[0]);
      expect(parsed.policyJson.Statement[0]!.Resource).not.toContain('*');
      expect(cloudFrontDecides(url, now)).toBe('allowed');
      expect(cloudFrontDecides(url.replace('/p', '/q'), now)).toBe('bad signature');
    }
  });

  it('a download name adds response-content-disposition before the signature parameters, covered by the user policy (no extra signature)', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const key = photoKeys.original(user, 'p1');
    const plain = signer.signGet(key, now);
    const name = 'Été "1"\r\nX-Evil: 1 😀.jpg';
    const named = signer.signGet(key, now, name);
    const url = new URL(named);
    expect([...url.searchParams.keys()]).toEqual(['response-content-disposition', 'Policy', 'Signature', 'Key-Pair-Id']);
    expect(url.searchParams.get('response-content-disposition')).toBe(attachmentDisposition(name));
    expect(named.split('?')[1]).not.toMatch(/[\s"]/);
    // The wildcard resource matches the URL with its query; the signature is the user's one of this window.
    const parsed = parse(named);
    expect(parsed.policyJson.Statement[0]!.Resource).toBe(`https://${domain}/users/${user}/*`);
    expect(parsed.signature.equals(parse(plain).signature)).toBe(true);
    expect(signer.signatureCount).toBe(1);
    expect(signer.signGet(key, now, name)).toBe(named);
    expect(signer.signGet(key, now, 'other.jpg')).not.toBe(named);
  });

  it('an exact-URL signature signs the download name with the URL', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const named = signer.signGet('shared/p.jpg', now, 'a b.jpg');
    const parsed = parse(named);
    expect(parsed.policyJson.Statement[0]!.Resource).toBe(named.slice(0, named.indexOf('&Expires=')));
    expect(parsed.policyJson.Statement[0]!.Resource).toContain('?response-content-disposition=attachment%3B%20filename%3D%22a%20b.jpg%22');
    expect(verify('sha1', Buffer.from(parsed.policy), publicKey, parsed.signature)).toBe(true);
    expect(parse(signer.signGet('shared/p.jpg', now, 'c.jpg')).policy).not.toBe(parsed.policy);
  });

  it('keeps a bounded LRU and drops windows older than the previous one', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem, maxEntries: 3 });
    for (let i = 0; i < 5; i++) signer.signGet(photoKeys.thumbnail(`u${i}`, 'p'), now);
    expect(signer.cacheSize).toBe(3);
    expect(signer.signatureCount).toBe(5);
    // u4 is cached, u0 was evicted.
    signer.signGet(photoKeys.preview('u4', 'q'), now);
    expect(signer.signatureCount).toBe(5);
    signer.signGet(photoKeys.preview('u0', 'q'), now);
    expect(signer.signatureCount).toBe(6);

    const big = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    big.signGet(photoKeys.thumbnail('a', 'p'), now);
    big.signGet(photoKeys.thumbnail('b', 'p'), new Date(windowStart.getTime() + URL_WINDOW_MS));
    expect(big.cacheSize).toBe(2); // the previous window is kept
    big.signGet(photoKeys.thumbnail('c', 'p'), new Date(windowStart.getTime() + 2 * URL_WINDOW_MS));
    expect(big.cacheSize).toBe(2); // the first window is gone
  });

  it('refuses a non-RSA key, a domain with a scheme or path, and an odd key pair id', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => new CloudFrontUrlSigner({ domain, keyPairId, privateKey: ec })).toThrow(/RSA/);
    expect(() => new CloudFrontUrlSigner({ domain: `https://${domain}`, keyPairId, privateKey: privatePem })).toThrow(TypeError);
    expect(() => new CloudFrontUrlSigner({ domain: `${domain}/x`, keyPairId, privateKey: privatePem })).toThrow(TypeError);
    expect(() => new CloudFrontUrlSigner({ domain, keyPairId: 'K2&x=1', privateKey: privatePem })).toThrow(TypeError);
  });
});

describe('CloudFrontUrlSigner, object scope (URLs for anyone but the owner)', () => {
  const photo = 'p1';
  const original = photoKeys.original(user, photo);
  const thumbnail = photoKeys.thumbnail(user, photo);
  const name = 'Été à Nice (1).jpg';
  const expires = windowStart.getTime() / 1000 + URL_EXPIRES_SECONDS;

  it('signs a canned policy naming exactly the URL, download name included; CloudFront allows it as issued until it expires', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const named = signer.signGet(original, now, name, 'object');
    const plain = signer.signGet(thumbnail, now, undefined, 'object');
    expect([...new URL(named).searchParams.keys()]).toEqual(['response-content-disposition', 'Expires', 'Signature', 'Key-Pair-Id']);
    expect([...new URL(plain).searchParams.keys()]).toEqual(['Expires', 'Signature', 'Key-Pair-Id']);
    expect(new URL(named).searchParams.get('response-content-disposition')).toBe(attachmentDisposition(name));
    expect(new URL(plain).searchParams.get('Expires')).toBe(String(expires));
    for (const [url, key] of [
      [named, original],
      [plain, thumbnail],
    ] as const) {
      const parsed = parse(url);
      expect(parsed.kind).toBe('canned');
      expect(parsed.path).toBe(`/${key}`);
      expect(parsed.policyJson.Statement[0]!.Resource).toBe(url.slice(0, url.indexOf(url === named ? '&Expires=' : '?Expires=')));
      expect(parsed.policyJson.Statement[0]!.Resource).not.toMatch(/[*]/);
      expect(verify('sha1', Buffer.from(parsed.policy), publicKey, parsed.signature)).toBe(true);
      expect(cloudFrontDecides(url, now)).toBe('allowed');
      expect(cloudFrontDecides(url, new Date(expires * 1000 - 1))).toBe('allowed');
      expect(cloudFrontDecides(url, new Date(expires * 1000))).toBe('expired');
    }
    // Shorter than the same URL carrying a custom policy (the URL again, base64'd).
    const custom = named.replace(`Expires=${expires}`, `Policy=${cloudFrontBase64(customPolicy(parse(named).policyJson.Statement[0]!.Resource, expires))}`);
    expect(named.length).toBeLessThan(custom.length * 0.7);
    expect(plain.length).toBeLessThan(plain.replace(`Expires=${expires}`, `Policy=${cloudFrontBase64(customPolicy(plain.split('?')[0]!, expires))}`).length * 0.7);
  });

  it('opens nothing else once edited: path, dot segments, percent-encoding, appended query, another name, its own parameters', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const named = signer.signGet(original, now, name, 'object');
    const plain = signer.signGet(thumbnail, now, undefined, 'object');
    const base = `https://${domain}`;
    const namedQuery = named.slice(named.indexOf('?')); // ?response-content-disposition=...&Expires=...&Signature=...&Key-Pair-Id=...
    const plainQuery = plain.slice(plain.indexOf('?'));
    const edits: Record<string, string> = {
      'another photo of the owner': `${base}/${photoKeys.original(user, 'p2')}${namedQuery}`,
      'the preview of the same photo': `${base}/${photoKeys.preview(user, photo)}${plainQuery}`,
      'the original of the same photo, from the thumbnail URL': `${base}/${original}${plainQuery}`,
      "another user's photo": `${base}/${photoKeys.original(other, photo)}${namedQuery}`,
      'a longer key': `${base}/${original}x${namedQuery}`,
      'a shorter key (a prefix)': `${base}/${original.slice(0, -1)}${namedQuery}`,
      'a trailing slash': `${base}/${original}/${namedQuery}`,
      'a dot segment, raw': `${base}/${thumbnail}/../preview.jpg${plainQuery}`,
      'a dot segment up to another photo, raw': `${base}/users/${user}/derivatives/${photo}/../p2/thumbnail.webp${plainQuery}`,
      'a dot segment, as a URL parser resolves it': new URL(`${base}/users/${user}/derivatives/${photo}/../p2/thumbnail.webp${plainQuery}`).toString(),
      'a dot segment percent-encoded': `${base}/users/${user}/derivatives/${photo}/%2e%2e/p2/thumbnail.webp${plainQuery}`,
      'a letter percent-encoded': `${base}/${original.replace('photos/', '%70hotos/')}${namedQuery}`,
      'a slash percent-encoded': `${base}/${original.replace('photos/', 'photos%2F')}${namedQuery}`,
      'lower-case hex in the name': named.replace(/%([0-9A-F]{2})/, (_, hex: string) => `%${hex.toLowerCase()}`),
      'a parameter appended': `${named}&response-content-type=text%2Fhtml`,
      'a parameter before the signature': named.replace('&Expires=', '&response-content-type=text%2Fhtml&Expires='),
      'an empty query on a plain URL': plain.replace('?Expires=', '?&Expires='),
      'another download name': named.replace(/^([^?]+\?)[^&]+/, '$1response-content-disposition=attachment%3B%20filename%3D%22evil.html%22'),
      'the download name taken out': `${base}/${original}?${named.slice(named.indexOf('Expires='))}`,
      'a download name added to a plain URL': plain.replace('?Expires=', '?response-content-disposition=attachment&Expires='),
      'a later Expires': named.replace(`Expires=${expires}`, `Expires=${expires + 3600}`),
      'Hash-Algorithm=SHA256 added': `${named}&Hash-Algorithm=SHA256`,
      'a Policy added beside Expires': `${named}&Policy=${cloudFrontBase64(customPolicy(`${base}/users/${user}/*`, expires))}`,
      'Expires given twice': `${named}&Expires=${expires}`,
      'plain http': named.replace('https://', 'http://'),
    };
    for (const [edit, url] of Object.entries(edits)) {
      expect({ edit, changed: url !== named && url !== plain }).toEqual({ edit, changed: true });
      expect({ edit, decision: cloudFrontDecides(url, now) }).toEqual({ edit, decision: expect.not.stringMatching(/^allowed$/) });
    }
    // The same edits on the owner's wildcard URL are allowed whenever they stay under her prefix:
    // the matcher does let edited URLs through, and scope is what keeps an object URL to its object.
    const owners = signer.signGet(original, now, name);
    const ownersQuery = owners.slice(owners.indexOf('?'));
    expect(cloudFrontDecides(`${base}/${photoKeys.original(user, 'p2')}${ownersQuery}`, now)).toBe('allowed');
    expect(cloudFrontDecides(`${owners}&response-content-type=text%2Fhtml`, now)).toBe('allowed');
    expect(cloudFrontDecides(`${base}/${photoKeys.original(other, photo)}${ownersQuery}`, now)).toBe('resource mismatch');
  });

  it('why canned: a custom policy on the exact URL would still read the `?` before the download name as a wildcard', () => {
    // The exact URL with a download name as a custom policy's resource, signed here to show the hole.
    const exact = `https://${domain}/${original}?response-content-disposition=attachment`;
    const policy = customPolicy(exact, expires);
    const signed = `Policy=${cloudFrontBase64(policy)}&Signature=${cloudFrontBase64(sign('sha1', Buffer.from(policy), privatePem))}&Key-Pair-Id=${keyPairId}`;
    expect(cloudFrontDecides(`${exact}&${signed}`, now)).toBe('allowed');
    // Another key (`...p1Xresponse-content-disposition=attachment`) matches it too.
    expect(cloudFrontDecides(`https://${domain}/${original}Xresponse-content-disposition=attachment?${signed}`, now)).toBe('allowed');
    // The canned URL of the same object refuses that path.
    const canned = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem }).signGet(original, now, 'x.jpg', 'object');
    expect(cloudFrontDecides(canned.replace('?response-content-disposition', 'Xresponse-content-disposition'), now)).not.toBe('allowed');
  });

  it('one signature per object per window, shared by every viewer, cached apart from the owner wildcard', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const ids = Array.from({ length: 50 }, (_, i) => `photo${i}`);
    const page = (scope?: 'owner' | 'object', at: Date = now) =>
      ids.flatMap((id) => [
        signer.signGet(photoKeys.original(user, id), at, `${id}.jpg`, scope),
        signer.signGet(photoKeys.thumbnail(user, id), at, undefined, scope),
        signer.signGet(photoKeys.preview(user, id), at, undefined, scope),
      ]);
    const owners = page('owner');
    expect(page()).toEqual(owners);
    expect(signer.signatureCount).toBe(1);
    const member = page('object');
    expect(signer.signatureCount).toBe(151);
    // A second member, a link holder, later in the window: the same URLs, no new signature.
    expect(page('object', new Date(windowStart.getTime() + URL_WINDOW_MS - 1))).toEqual(member);
    expect(signer.signatureCount).toBe(151);
    expect(new Set(member).size).toBe(150);
    expect(new Set(member.map((url) => parse(url).signature.toString('hex'))).size).toBe(150);
    for (const url of member) {
      expect(parse(url).kind).toBe('canned');
      expect(cloudFrontDecides(url, now)).toBe('allowed');
    }
    // The owner's entry never answers an object lookup, nor the reverse, whichever came first.
    expect(page('owner')).toEqual(owners);
    const fresh = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    expect(fresh.signGet(original, now, name, 'object')).not.toContain('Policy=');
    expect(parse(fresh.signGet(original, now, name, 'owner')).policyJson.Statement[0]!.Resource).toBe(`https://${domain}/users/${user}/*`);
    // Another name is another URL, signed on its own.
    expect(fresh.signGet(original, now, 'other.jpg', 'object')).not.toBe(fresh.signGet(original, now, name, 'object'));
    expect(fresh.signatureCount).toBe(3);
  });

  it('SHA-256 on request: Hash-Algorithm=SHA256 last, and CloudFront verifies it with sha256', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem, hashAlgorithm: 'SHA256' });
    const url = signer.signGet(original, now, name, 'object');
    expect(url.endsWith('&Hash-Algorithm=SHA256')).toBe(true);
    expect(cloudFrontDecides(url, now)).toBe('allowed');
    expect(cloudFrontDecides(url.replace('&Hash-Algorithm=SHA256', ''), now)).toBe('bad signature');
  });

  it('the LRU keeps what is used: an entry hit once it has drifted into the older half survives the next evictions', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem, maxEntries: 4 });
    const key = (i: number) => photoKeys.thumbnail(user, `p${i}`);
    for (let i = 0; i < 4; i++) signer.signGet(key(i), now, undefined, 'object');
    // p0 is the oldest; a hit moves it to the newest end, so p1 and p2 go first.
    signer.signGet(key(0), now, undefined, 'object');
    signer.signGet(key(4), now, undefined, 'object');
    signer.signGet(key(5), now, undefined, 'object');
    expect(signer.signatureCount).toBe(6);
    signer.signGet(key(0), now, undefined, 'object');
    signer.signGet(key(3), now, undefined, 'object');
    expect(signer.signatureCount).toBe(6);
    signer.signGet(key(1), now, undefined, 'object');
    expect(signer.signatureCount).toBe(7);
    // The owner's one entry, hit 150 times a page, stays put and stays cached among many object entries.
    const owner = signer.signGet(photoKeys.original(user, 'x'), now);
    for (let i = 10; i < 20; i++) {
      expect(signer.signGet(photoKeys.preview(user, `p${i}`), now)).toBe(owner.replace(photoKeys.original(user, 'x'), photoKeys.preview(user, `p${i}`)));
      signer.signGet(key(i), now, undefined, 'object');
    }
    expect(signer.signatureCount).toBe(18);
  });

  it('the LRU bounds object entries like owner ones', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem, maxEntries: 3 });
    for (let i = 0; i < 5; i++) signer.signGet(photoKeys.thumbnail(user, `p${i}`), now, undefined, 'object');
    expect(signer.cacheSize).toBe(3);
    signer.signGet(photoKeys.thumbnail(user, 'p4'), now, undefined, 'object');
    expect(signer.signatureCount).toBe(5);
    signer.signGet(photoKeys.thumbnail(user, 'p0'), now, undefined, 'object');
    expect(signer.signatureCount).toBe(6);
  });
});
