import { render } from '@testing-library/react-native';
import App from '../../App';
import { createApiClient } from '../../src/core/api-client';
import type { Photo } from '../../src/core/library';
import { createTokenStore } from '../../src/core/tokens';
import type { ByteSource } from '../../src/core/upload-types';
import { fakeAdapter, type FakeAnswer, type FakeRequest } from './fake-http';
import { MemoryStore } from './memory-store';

export const TEST_USER = { userId: 'user-1', email: 'ada@example.com', name: 'Ada' };

export interface RenderAppOptions {
  /**
   * Plays the API: each request (path without the base URL) gets this answer; a throw is "no network".
   * The upload queue's PUTs to presigned URLs come here too, with their absolute URL.
   */
  handler: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;
  /** Opens signed in as TEST_USER (tokens and the session's user stored, as after a login). */
  signedIn?: boolean;
  /** Reuse one store across two renders to play an app restart. */
  storage?: MemoryStore;
  bytes?: ByteSource;
  sha256?: (bytes: Uint8Array) => Promise<string>;
}

/**
 * The whole app (session, navigation, every screen) over an in-memory AsyncStorage and a fake API:
 * component tests drive it as a user would, through labels and roles.
 */
export async function renderApp(options: RenderAppOptions) {
  const storage = options.storage ?? new MemoryStore();
  const tokens = createTokenStore(null, storage);
  if (options.signedIn) {
    await tokens.save({ accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt: Date.now() + 3_600_000 });
    await storage.setItem('av:session:user:v1', JSON.stringify(TEST_USER));
  }
  const http = fakeAdapter(options.handler);
  const api = createApiClient({ baseURL: 'http://api.test', tokens, adapter: http.adapter });
  const deps = {
    storage,
    tokens,
    api,
    bytes: options.bytes ?? { read: async () => new Uint8Array([1, 2, 3]) },
    sha256: options.sha256 ?? (async (bytes: Uint8Array) => `sha-${bytes.length}`),
    s3Adapter: http.adapter,
  };
  const view = render(<App deps={deps} />);
  return { ...view, storage, tokens, api, requests: http.requests };
}

let counter = 0;
/** A ready photo as GET /v1/photos answers it; override what the test is about. */
export function samplePhoto(overrides: Partial<Photo> = {}): Photo {
  counter += 1;
  const id = overrides.id ?? `photo-${counter}`;
  return {
    id,
    status: 'ready',
    filename: `IMG_${1000 + counter}.jpg`,
    contentType: 'image/jpeg',
    size: 2_000_000,
    sha256: `sha-${id}`,
    width: 4032,
    height: 3024,
    takenAt: '2026-11-20T10:00:00.000Z',
    uploadedAt: '2026-11-21T10:00:00.000Z',
    urls: { thumbnail: `https://s3.test/${id}/thumb.webp`, preview: `https://s3.test/${id}/preview.webp`, original: `https://s3.test/${id}/original.jpg` },
    ...overrides,
  } as Photo;
}
