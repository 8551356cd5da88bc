import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { AppState, Platform } from 'react-native';
import { createApiClient, resolveBaseUrl, type ApiClient } from '../core/api-client';
import type { KeyValueStore } from '../core/storage';
import type { TokenStore } from '../core/tokens';
import { createUserServices, type PlatformDeps, type SessionUser, type UserServices } from './services';

const USER_KEY = 'av:session:user:v1';

export type SessionStatus = 'loading' | 'signedOut' | 'signedIn';

export interface SessionValue {
  status: SessionStatus;
  /** Always there: the public calls (sign-up, reset...) need no session. */
  api: ApiClient;
  services: UserServices | undefined;
  /** Why the last session ended when the user did not ask (refresh refused), or forgetAccount's notice: Login says so. */
  endedReason: string | undefined;
  signIn(email: string, password: string): Promise<void>;
  /** Logs out on the server when it answers; always forgets the tokens and this user's cache here. */
  signOut(): Promise<void>;
  /** After DELETE /v1/me: nothing of the account is kept on the device, its pending uploads included; Login shows `notice`. */
  forgetAccount(notice?: string): Promise<void>;
}

const SessionContext = createContext<SessionValue | undefined>(undefined);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in user's services; only the screens behind sign-in call it. */
export function useServices(): UserServices {
  const { services } = useSession();
  if (!services) throw new Error('useServices without a signed-in user');
  return services;
}

export interface SessionDeps extends PlatformDeps {
  tokens: TokenStore;
  /** Tests pass a client over a fake adapter; the app builds one for the configured origin. */
  api?: ApiClient;
  baseURL?: string;
}

/** The API's origin: EXPO_PUBLIC_API_URL in a dev or phone build, the page's own origin on the web build `npm start` serves. */
export function defaultBaseUrl(): string {
  const webOrigin = Platform.OS === 'web' && typeof window !== 'undefined' ? window.location.origin : undefined;
  return resolveBaseUrl(process.env.EXPO_PUBLIC_API_URL, webOrigin);
}

export function SessionProvider(props: { deps: SessionDeps; children: ReactNode }) {
  const { deps } = props;
  const storage: KeyValueStore = deps.storage;
  const api = useMemo(() => deps.api ?? createApiClient({ baseURL: deps.baseURL ?? defaultBaseUrl(), tokens: deps.tokens }), [deps]);
  const [status, setStatus] = useState<SessionStatus>('loading');
  const [services, setServices] = useState<UserServices | undefined>();
  const [endedReason, setEndedReason] = useState<string | undefined>();
  const current = useRef<UserServices | undefined>(undefined);

  const open = useCallback(
    (user: SessionUser) => {
      current.current?.stop();
      const next = createUserServices(api, user, deps);
      current.current = next;
      setServices(next);
      setStatus('signedIn');
    },
    [api, deps],
  );

  const close = useCallback(async (options: { clearCache: boolean; clearUploads?: boolean }) => {
    const previous = current.current;
    current.current = undefined;
    previous?.stop();
    if (previous && options.clearCache) await previous.cache.clear().catch(() => undefined);
    if (previous && options.clearUploads) for (const item of previous.uploads.list()) await previous.uploads.cancel(item.id);
    await storage.removeItem(USER_KEY);
    setServices(undefined);
    setStatus('signedOut');
  }, [storage]);

  // Start: a stored session opens at once (offline too) on the stored user's cache.
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const tokens = await deps.tokens.load();
      const stored = await storage.getItem(USER_KEY);
      if (cancelled) return;
      if (tokens && stored) open(JSON.parse(stored) as SessionUser);
      else setStatus('signedOut');
    })().catch(() => !cancelled && setStatus('signedOut'));
    return () => {
      cancelled = true;
    };
  }, [deps, open, storage]);

  useEffect(
    () =>
      api.onSignedOut(() => {
        setEndedReason('Your session has ended. Log in again to continue.');
        void close({ clearCache: false });
      }),
    [api, close],
  );

  // The provider going away (tests, a fast refresh) stops the user's queue and watch: no timer outlives it.
  useEffect(
    () => () => {
      current.current?.stop();
      current.current = undefined;
    },
    [],
  );

  // Coming back to the app or the network: pending fetches replay and waiting uploads go.
  useEffect(() => {
    const wake = () => void current.current?.reconnect();
    const sub = AppState.addEventListener('change', (state) => state === 'active' && wake());
    const onWeb = Platform.OS === 'web' && typeof window !== 'undefined';
    if (onWeb) window.addEventListener('online', wake);
    return () => {
      sub.remove();
      if (onWeb) window.removeEventListener('online', wake);
    };
  }, []);

  const value = useMemo<SessionValue>(
    () => ({
      status,
      api,
      services,
      endedReason,
      async signIn(email, password) {
        await api.login(email, password);
        const me = await api.request('get', '/v1/me');
        const user: SessionUser = { userId: me.userId, email: me.email, name: me.name };
        await storage.setItem(USER_KEY, JSON.stringify(user));
        setEndedReason(undefined);
        open(user);
      },
      async signOut() {
        await api.logout().catch(() => undefined);
        await close({ clearCache: true });
      },
      async forgetAccount(notice) {
        await deps.tokens.clear();
        setEndedReason(notice);
        await close({ clearCache: true, clearUploads: true });
      },
    }),
    [status, api, services, endedReason, storage, open, close, deps.tokens],
  );

  return <SessionContext.Provider value={value}>{props.children}</SessionContext.Provider>;
}
