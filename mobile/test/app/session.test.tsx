import { act, render, waitFor } from '@testing-library/react-native';
import { Text } from 'react-native';
import { SessionProvider, useSession, type SessionDeps, type SessionValue } from '../../src/app/session';
import { createApiClient } from '../../src/core/api-client';
import { createTokenStore } from '../../src/core/tokens';
import { fakeAdapter, problem, type FakeAnswer, type FakeRequest } from '../helpers/fake-http';
import { MemoryStore } from '../helpers/memory-store';

const ME = { userId: 'user-7', email: 'grace@example.com', name: 'Grace', createdAt: '2026-11-01T00:00:00.000Z', usage: { photos: 0, bytes: 0, quotaBytes: 10 } };
const LOGIN = { accessToken: 'access-1', idToken: 'id-1', refreshToken: 'refresh-1', expiresIn: 3600, tokenType: 'Bearer' };

function setup(handler: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>, storage = new MemoryStore()) {
  const tokens = createTokenStore(null, storage);
  const http = fakeAdapter(handler);
  const deps: SessionDeps = {
    storage,
    tokens,
    api: createApiClient({ baseURL: 'http://api.test', tokens, adapter: http.adapter }),
    bytes: { read: async () => new Uint8Array([1]) },
    sha256: async () => 'sha',
  };
  const seen: { current?: SessionValue } = {};
  function Probe() {
    const session = useSession();
    seen.current = session;
    return <Text>{session.status}</Text>;
  }
  const view = render(
    <SessionProvider deps={deps}>
      <Probe />
    </SessionProvider>,
  );
  return { view, storage, tokens, requests: http.requests, session: () => seen.current! };
}

const api = (request: FakeRequest): FakeAnswer => {
  if (request.url === '/v1/auth/login') return { status: 200, body: LOGIN };
  if (request.url === '/v1/me') return { status: 200, body: ME };
  if (request.url === '/v1/auth/logout') return { status: 204 };
  return problem(404, 'Not Found');
};

test('signing in asks who the user is and opens their own services', async () => {
  const { session, storage } = setup(api);
  await waitFor(() => expect(session().status).toBe('signedOut'));
  await act(() => session().signIn('grace@example.com', 'pw'));
  expect(session().status).toBe('signedIn');
  expect(session().services?.user).toEqual({ userId: 'user-7', email: 'grace@example.com', name: 'Grace' });
  expect(await storage.getItem('av:session:user:v1')).toContain('user-7');
});

test('a stored session opens signed in with no network at all', async () => {
  const storage = new MemoryStore();
  const first = setup(api, storage);
  await waitFor(() => expect(first.session().status).toBe('signedOut'));
  await act(() => first.session().signIn('grace@example.com', 'pw'));
  first.view.unmount();

  const second = setup(() => {
    throw new Error('offline');
  }, storage);
  await waitFor(() => expect(second.session().status).toBe('signedIn'));
  expect(second.session().services?.user.userId).toBe('user-7');
  expect(second.requests).toHaveLength(0);
});

test('signing out forgets the tokens and this user\'s cache but keeps their pending uploads for the next log in', async () => {
  const { session, storage, tokens, requests } = setup(api);
  await waitFor(() => expect(session().status).toBe('signedOut'));
  await act(() => session().signIn('grace@example.com', 'pw'));
  const services = session().services!;
  await services.cache.set('timeline:first', { items: [{ id: 'p1' }], nextCursor: null });
  services.uploads.stop(); // keep the item pending: no transport work in this test
  await services.uploads.add([{ uri: 'file:///a.jpg', filename: 'a.jpg', contentType: 'image/jpeg' }]);

  await act(() => session().signOut());
  expect(session().status).toBe('signedOut');
  expect(requests.map((r) => r.url)).toContain('/v1/auth/logout');
  expect(await tokens.load()).toBeNull();
  const keys = [...storage.data.keys()];
  expect(keys.filter((k) => k.startsWith('av:cache:') && k.includes('timeline'))).toEqual([]);
  expect(keys.some((k) => k.includes('user-7') && !k.startsWith('av:cache:'))).toBe(true);
});

test('a deleted account leaves nothing of it on the device, pending uploads included', async () => {
  const { session, storage } = setup(api);
  await waitFor(() => expect(session().status).toBe('signedOut'));
  await act(() => session().signIn('grace@example.com', 'pw'));
  const services = session().services!;
  services.uploads.stop();
  await services.uploads.add([{ uri: 'file:///a.jpg', filename: 'a.jpg', contentType: 'image/jpeg' }]);
  await services.cache.set('me', ME);

  await act(() => session().forgetAccount());
  expect(session().status).toBe('signedOut');
  expect([...storage.data.keys()].filter((k) => k.includes('user-7'))).toEqual([]);
});

test('a session the server ended (refresh refused) returns to Login and says why', async () => {
  const { session } = setup((request) => {
    if (request.url === '/v1/auth/refresh') return problem(401, 'Unauthorized');
    if (request.url === '/v1/photos') return problem(401, 'Unauthorized');
    return api(request);
  });
  await waitFor(() => expect(session().status).toBe('signedOut'));
  await act(() => session().signIn('grace@example.com', 'pw'));
  await act(async () => {
    await session().services!.library.timelinePage().then((r) => r.fresh).catch(() => undefined);
  });
  await waitFor(() => expect(session().status).toBe('signedOut'));
  expect(session().endedReason).toMatch(/session has ended/);
});
