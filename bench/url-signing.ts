import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { createPresigner } from '../src/aws/s3-presigner.js';
import { CloudFrontUrlSigner, cloudFrontBase64, customPolicy, encodeKeyPath, fromCloudFrontBase64 } from '../src/photos/cloudfront-url-signer.js';
import { photoKeys } from '../src/photos/photo-id.js';
import { presignedUrlSigner, URL_EXPIRES_SECONDS, urlWindowStart, type PhotoUrlSigner, type UrlScope } from '../src/photos/url-signer.js';
import { quick, spread, writeResult } from './support/results.js';
import { median } from './support/stats.js';

/**
 * Signing the URLs of a page of 50 photos: 150 URLs (the original with its download name, the
 * thumbnail, the preview), as the timeline (owner scope) and a shared album (object scope) ask for them.
 *
 *   cold: a page the signer has not seen in this window (new photos of a new user each time): the
 *         first request of a window. Owner scope: one wildcard signature + 149 cache hits. Object
 *         scope: one canned signature per URL, 150.
 *   warm: the same page again (another member, the next refresh, the detail): cache hits only.
 *
 * For CloudFront (RSA-2048, SHA-1) and for the presigner of local mode (SigV4, whose every URL is one key
 * whatever the scope, so both scopes are the same work). The baseline is today's (before this change)
 * owner scope on CloudFront, cold; each object-scope figure is also given as a ratio to its owner-scope
 * counterpart of the same signer and temperature. A reference row signs every URL with no cache at all
 * (150 RSA signatures): the floor of any per-URL signer, which the cold object page should sit on.
 * Rotating rounds, medians, µs per page.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 15));
const PHOTOS = 50;
const URLS = PHOTOS * 3;
/** Each sample repeats a method for about this long (a cold object page alone is ~40 ms). */
const SAMPLE_MS = quick ? 40 : 150;

const domain = 'd111111abcdef8.cloudfront.net';
const keyPairId = 'K2JCJMDEHXQW5F';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = new Date();
const expires = urlWindowStart(now).getTime() / 1000 + URL_EXPIRES_SECONDS;

interface Page {
  userId: string;
  photoIds: string[];
}
const newPage = (): Page => ({ userId: randomUUID(), photoIds: Array.from({ length: PHOTOS }, () => randomUUID()) });

/** The page's 150 URLs; synchronous signers stay synchronous (what LibraryService.toJson relies on). */
function signPage(signer: PhotoUrlSigner, page: Page, scope: UrlScope): (string | Promise<string>)[] {
  const urls: (string | Promise<string>)[] = [];
  for (const id of page.photoIds) {
    urls.push(signer.signGet(photoKeys.original(page.userId, id), now, `IMG_${id.slice(0, 4)}.HEIC`, scope));
    urls.push(signer.signGet(photoKeys.thumbnail(page.userId, id), now, undefined, scope));
    urls.push(signer.signGet(photoKeys.preview(page.userId, id), now, undefined, scope));
  }
  return urls;
}

const settle = async (urls: (string | Promise<string>)[]): Promise<string[]> => (urls.some((url) => typeof url !== 'string') ? Promise.all(urls) : (urls as string[]));

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const cloudFront = new CloudFrontUrlSigner({ domain, keyPairId, privateKey, maxEntries: 20_000 });
  const presigner = createPresigner({
    endpoint: 'http://127.0.0.1:9000',
    region: 'eu-west-3',
    bucket: 'auroravault-photos',
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }),
  });
  const presigned = presignedUrlSigner(presigner, { maxEntries: 20_000 });
  const warmPage = newPage();

  // Sanity: what each scope costs in signatures, and that the URLs verify.
  let before = cloudFront.signatureCount;
  const ownerUrls = (await settle(signPage(cloudFront, newPage(), 'owner'))) as string[];
  if (cloudFront.signatureCount - before !== 1) throw new Error(`an owner page cost ${cloudFront.signatureCount - before} signatures`);
  before = cloudFront.signatureCount;
  const objectPage = newPage();
  const objectUrls = await settle(signPage(cloudFront, objectPage, 'object'));
  if (cloudFront.signatureCount - before !== URLS) throw new Error(`an object page cost ${cloudFront.signatureCount - before} signatures`);
  await settle(signPage(cloudFront, objectPage, 'object'));
  if (cloudFront.signatureCount - before !== URLS) throw new Error('a second viewer of an object page signed again');
  const policy = fromCloudFrontBase64(/Policy=([^&]+)/.exec(ownerUrls[0]!)![1]!);
  if (!verify('sha1', policy, publicKey, fromCloudFrontBase64(/Signature=([^&]+)/.exec(ownerUrls[0]!)![1]!))) throw new Error('the owner signature does not verify');
  const canned = objectUrls[0]!;
  const resource = canned.slice(0, canned.indexOf('&Expires='));
  if (!verify('sha1', Buffer.from(customPolicy(resource, expires)), publicKey, fromCloudFrontBase64(/Signature=([^&]+)/.exec(canned)![1]!))) {
    throw new Error('the object signature does not verify');
  }
  const presignedOwner = await settle(signPage(presigned, warmPage, 'owner'));
  const presignedObject = await settle(signPage(presigned, warmPage, 'object'));
  if (presignedObject.some((url, i) => url !== presignedOwner[i])) throw new Error('presigned object URLs differ from owner ones');

  // No cache: one signature per URL over its canned statement (the per-URL floor).
  const perUrl = () => {
    const page = newPage();
    return page.photoIds.flatMap((id) =>
      [photoKeys.original(page.userId, id), photoKeys.thumbnail(page.userId, id), photoKeys.preview(page.userId, id)].map((key) => {
        const url = `https://${domain}/${encodeKeyPath(key)}`;
        const signature = sign('sha1', Buffer.from(customPolicy(url, expires)), privateKey);
        return `${url}?Expires=${expires}&Signature=${cloudFrontBase64(signature)}&Key-Pair-Id=${keyPairId}`;
      }),
    );
  };

  const methods = {
    'cloudfront owner, cold': () => settle(signPage(cloudFront, newPage(), 'owner')),
    'cloudfront object, cold': () => settle(signPage(cloudFront, newPage(), 'object')),
    'cloudfront owner, warm': () => settle(signPage(cloudFront, warmPage, 'owner')),
    'cloudfront object, warm': () => settle(signPage(cloudFront, warmPage, 'object')),
    'presigned owner, cold': () => settle(signPage(presigned, newPage(), 'owner')),
    'presigned object, cold': () => settle(signPage(presigned, newPage(), 'object')),
    'presigned owner, warm': () => settle(signPage(presigned, warmPage, 'owner')),
    'presigned object, warm': () => settle(signPage(presigned, warmPage, 'object')),
    'per-URL signature, no cache': async () => perUrl(),
  };
  type Name = keyof typeof methods;
  const names = Object.keys(methods) as Name[];
  const reps = Object.fromEntries(names.map((n) => [n, 1])) as Record<Name, number>;
  // Warm-up and calibration: how many pages fill one sample.
  for (const name of names) {
    let n = 0;
    const started = performance.now();
    while (performance.now() - started < SAMPLE_MS * 2) {
      await methods[name]();
      n++;
    }
    reps[name] = Math.max(1, Math.round(n / 2));
  }
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  const signatures = Object.fromEntries(names.map((n) => [n, 0])) as Record<Name, number>;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating rounds, each starting one method later: drift in the machine's speed, and the garbage a
    // cold page leaves for the next method's collector, hit every method alike.
    for (const name of names.map((_, i) => names[(i + round) % names.length]!)) {
      const signed = cloudFront.signatureCount;
      const started = process.hrtime.bigint();
      for (let i = 0; i < reps[name]; i++) await methods[name]();
      samples[name].push(Number(process.hrtime.bigint() - started) / 1000 / reps[name]);
      if (round === 0) signatures[name] = (cloudFront.signatureCount - signed) / reps[name];
    }
  }

  const m = Object.fromEntries(names.map((n) => [n, median(samples[n])])) as Record<Name, number>;
  const base = m['cloudfront owner, cold'];
  const counterpart = (name: Name): Name | undefined => (name.includes(' object,') ? (name.replace(' object,', ' owner,') as Name) : undefined);
  console.log(`Signing a page of ${PHOTOS} photos (${URLS} URLs: original with download name, thumbnail, preview), medians of ${ROUNDS} rounds`);
  console.log('method                          µs/page   µs/URL  RSA sig/page   x baseline  object/owner');
  for (const name of names) {
    const owner = counterpart(name);
    console.log(
      `${name.padEnd(30)} ${m[name].toFixed(0).padStart(8)} ${(m[name] / URLS).toFixed(2).padStart(8)} ${name.startsWith('cloudfront') ? signatures[name].toFixed(0).padStart(13) : '            -'}` +
        `   ${(m[name] / base).toFixed(2).padStart(9)}x  ${owner ? `${(m[name] / m[owner]).toFixed(1)}x` : ''}`,
    );
  }
  console.log(`our CloudFront signer: ${cloudFront.signatureCount} signatures, ${cloudFront.cacheSize} cached entries`);
  writeResult('url-signing', {
    baseline: {
      description: `CloudFront, owner scope (today's wildcard policy over users/<id>/*), cold: a page of ${PHOTOS} photos (${URLS} URLs) never signed in this window`,
      microsecondsPerPage: spread(samples['cloudfront owner, cold']),
    },
    figures: Object.fromEntries(
      names.map((n) => {
        const owner = counterpart(n);
        return [
          n,
          {
            microsecondsPerPage: spread(samples[n]),
            microsecondsPerUrl: m[n] / URLS,
            ...(n.startsWith('cloudfront') ? { rsaSignaturesPerPage: signatures[n] } : {}),
            ratioToBaseline: m[n] / base,
            ...(owner ? { ratioToOwnerScope: m[n] / m[owner] } : {}),
          },
        ];
      }),
    ),
    parameters: { rounds: ROUNDS, photosPerPage: PHOTOS, urlsPerPage: URLS, sampleMs: SAMPLE_MS, rsaBits: 2048, hash: 'SHA-1' },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
