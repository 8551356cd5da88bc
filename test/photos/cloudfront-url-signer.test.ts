import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import {
  CloudFrontUrlSigner,
  cloudFrontBase64,
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
  policy: string;
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
  const policy = fromCloudFrontBase64(raw.Policy!).toString('utf8');
  return {
    origin: u.origin,
    path: u.pathname,
    policy,
    policyJson: JSON.parse(policy) as Parsed['policyJson'],
    signature: fromCloudFrontBase64(raw.Signature!),
    keyPairId: raw['Key-Pair-Id'] ?? null,
    hashAlgorithm: raw['Hash-Algorithm'] ?? null,
    rawQuery,
  };
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

  it('keys outside a plain users/<id>/ prefix get an exact-URL policy (never a wildcard they could widen)', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    for (const key of ['users/we*ird/photos/p', 'users/../photos/p', 'shared/p.jpg', 'users/a b/p']) {
      const url = signer.signGet(key, now);
      const parsed = parse(url);
      expect(parsed.policyJson.Statement[0]!.Resource).toBe(url.split('?')[0]);
      expect(parsed.policyJson.Statement[0]!.Resource).not.toContain('*');
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

  it('an exact-URL policy signs the download name with the URL', () => {
    const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: privatePem });
    const named = signer.signGet('shared/p.jpg', now, 'a b.jpg');
    const parsed = parse(named);
    expect(parsed.policyJson.Statement[0]!.Resource).toBe(named.slice(0, named.indexOf('&Policy=')));
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
