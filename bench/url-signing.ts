import { createPrivateKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { CloudFrontUrlSigner, cloudFrontBase64, customPolicy, encodeKeyPath, fromCloudFrontBase64 } from '../src/photos/cloudfront-url-signer.js';
import { photoKeys } from '../src/photos/photo-id.js';
import { URL_EXPIRES_SECONDS, urlWindowStart } from '../src/photos/url-signer.js';
import { quick, spread, writeResult } from './support/results.js';
import { median } from './support/stats.js';

/**
 * Signing the CloudFront URLs of a timeline page of 50 thumbnails.
 *
 *   cached, new user:  our CloudFrontUrlSigner, each page for a user it has not signed for in this
 *                      window (one RSA signature + 49 cache hits): the first page a user loads.
 *   cached, same user: the same signer, the page again (0 signatures): every later page and refresh.
 *   per-URL signature: one RSA-SHA1 signature per URL over its own canned-style policy, key parsed
 *                      once (the floor of any signer that signs each URL).
 *   per-URL + PEM:     the same plus parsing the PEM for every URL, which is what
 *                      @aws-sdk/cloudfront-signer's getSignedUrl does per call (that package is not a
 *                      dependency here; shared/notes/local-aws.md measured it at ~1 ms per URL).
 *
 * Alternating rounds, medians, µs per page and per URL.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 15));
const PAGE = 50;
const SAMPLE_MS = 40;

const domain = 'd111111abcdef8.cloudfront.net';
const keyPairId = 'K2JCJMDEHXQW5F';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const now = new Date();
const expires = urlWindowStart(now).getTime() / 1000 + URL_EXPIRES_SECONDS;
const photoIds = Array.from({ length: PAGE }, () => randomUUID());

function main(): void {
  const signer = new CloudFrontUrlSigner({ domain, keyPairId, privateKey: pem, maxEntries: 100_000 });
  const sameUser = randomUUID();
  const cachedNewUser = () => {
    const user = randomUUID();
    return photoIds.map((id) => signer.signGet(photoKeys.thumbnail(user, id), now));
  };
  const cachedSameUser = () => photoIds.map((id) => signer.signGet(photoKeys.thumbnail(sameUser, id), now));

  const perUrl = (parse: boolean) => () => {
    const user = randomUUID();
    const key = parse ? undefined : createPrivateKey(pem);
    return photoIds.map((id) => {
      const url = `https://${domain}/${encodeKeyPath(photoKeys.thumbnail(user, id))}`;
      const policy = customPolicy(url, expires);
      const signature = sign('sha1', Buffer.from(policy), key ?? createPrivateKey(pem));
      return `${url}?Expires=${expires}&Signature=${cloudFrontBase64(signature)}&Key-Pair-Id=${keyPairId}`;
    });
  };

  // Sanity: our URLs verify, and a page of one user costs one signature.
  const before = signer.signatureCount;
  const page = cachedNewUser();
  if (signer.signatureCount - before !== 1) throw new Error(`a page cost ${signer.signatureCount - before} signatures`);
  const q = new URL(page[0]!).searchParams;
  const policy = fromCloudFrontBase64(page[0]!.match(/Policy=([^&]+)/)![1]!);
  const signature = fromCloudFrontBase64(page[0]!.match(/Signature=([^&]+)/)![1]!);
  if (!verify('sha1', policy, publicKey, signature) || q.get('Key-Pair-Id') !== keyPairId) throw new Error('our signature does not verify');

  const methods = {
    'cached, new user': cachedNewUser,
    'cached, same user': cachedSameUser,
    'per-URL signature': perUrl(false),
    'per-URL + PEM parse': perUrl(true),
  };
  type Name = keyof typeof methods;
  const names = Object.keys(methods) as Name[];
  const reps = Object.fromEntries(names.map((n) => [n, 1])) as Record<Name, number>;
  for (const name of names) {
    let n = 0;
    const started = performance.now();
    while (performance.now() - started < SAMPLE_MS * 3) {
      methods[name]();
      n++;
    }
    reps[name] = Math.max(1, Math.round(n / 3));
  }
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < reps[name]; i++) methods[name]();
      samples[name].push(Number(process.hrtime.bigint() - started) / 1000 / reps[name]);
    }
  }

  const base = median(samples['per-URL signature']);
  console.log(`CloudFront signed URLs for a page of ${PAGE} thumbnails (RSA-2048, SHA-1), medians of ${ROUNDS} rounds`);
  console.log('method                 µs/page   µs/URL   speed-up vs per-URL signature');
  for (const name of names) {
    const m = median(samples[name]);
    console.log(`${name.padEnd(22)} ${m.toFixed(0).padStart(8)} ${(m / PAGE).toFixed(2).padStart(8)}   x${(base / m).toFixed(1)}`);
  }
  console.log(`signatures by our signer: ${signer.signatureCount} for ${signer.cacheSize} cached (user, window) entries`);
  writeResult('url-signing', {
    baseline: { description: `one RSA-SHA1 signature per URL, a page of ${PAGE}`, microsecondsPerPage: spread(samples['per-URL signature']) },
    figures: Object.fromEntries(names.map((n) => [n, { microsecondsPerPage: spread(samples[n]), speedUpOverBaseline: base / median(samples[n]) }])),
    parameters: { rounds: ROUNDS, page: PAGE },
  });
}

main();
