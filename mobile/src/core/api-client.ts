import axios, { type AxiosAdapter, type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { fillPath, type HttpMethod, type Operation, type PathsWith, type RequestOptions, type ResponseOf } from './api-types';
import { ApiError, toApiError } from './errors';
import type { Tokens, TokenStore } from './tokens';

export interface ApiClientOptions {
  baseURL: string;
  tokens: TokenStore;
  /** Tests pass an adapter that plays the server; the app uses axios's default (XHR/fetch). */
  adapter?: AxiosAdapter;
  now?: () => number;
  timeoutMs?: number;
}

export interface ApiClient {
  request<M extends HttpMethod, P extends PathsWith<M>>(method: M, path: P, options?: RequestOptions<Operation<P, M>>): Promise<ResponseOf<Operation<P, M>>>;
  /** Calls that need no token (login, sign-up, reset...): no Authorization, no refresh. */
  publicRequest<M extends HttpMethod, P extends PathsWith<M>>(method: M, path: P, options?: RequestOptions<Operation<P, M>>): Promise<ResponseOf<Operation<P, M>>>;
  login(email: string, password: string): Promise<Tokens>;
  logout(): Promise<void>;
  /** Called once each time the session ends without the user asking (refresh refused): the app shows Login. */
  onSignedOut(listener: () => void): () => void;
  readonly http: AxiosInstance;
}

/**
 * EXPO_PUBLIC_API_URL when the build set it (Expo dev server, a phone); otherwise, on web, the page's
 * own origin, since `npm start` serves the app from the API's origin.
 */
export function resolveBaseUrl(configured: string | undefined, webOrigin: string | undefined): string {
  const base = configured?.trim() || webOrigin;
  if (!base) throw new Error('EXPO_PUBLIC_API_URL is not set: a native build must be told where the API is');
  return base.replace(/\/+$/, '');
}

/** An access token this close to its expiry is refreshed before use. */
const EXPIRY_MARGIN_MS = 30_000;

export function signedOutError(): ApiError {
  return new ApiError({ status: 401, title: 'Signed out', detail: 'Log in again.' });
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const now = options.now ?? Date.now;
  const store = options.tokens;
  const http = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 30_000,
    adapter: options.adapter,
    headers: { Accept: 'application/json, application/problem+json' },
  });
  const listeners = new Set<() => void>();
  let refreshing: Promise<Tokens | null> | undefined;
  // The access token the last successful refresh replaced: a request that failed with it must not refresh again.
  let replacedAccessToken: string | undefined;

  async function signOut(): Promise<void> {
    await store.clear();
    for (const listener of [...listeners]) listener();
  }

  function toTokens(body: { accessToken: string; idToken?: string; refreshToken?: string; expiresIn?: number }, refreshToken: string): Tokens {
    return {
      accessToken: body.accessToken,
      idToken: body.idToken,
      refreshToken: body.refreshToken ?? refreshToken,
      expiresAt: body.expiresIn === undefined ? undefined : now() + body.expiresIn * 1000,
    };
  }

  /** null: the refresh token was refused (the session is over). Throws when the server could not be asked. */
  async function doRefresh(current: Tokens): Promise<Tokens | null> {
    try {
      const response = await http.post('/v1/auth/refresh', { refreshToken: current.refreshToken });
      const fresh = toTokens(response.data as { accessToken: string; idToken?: string; expiresIn?: number }, current.refreshToken);
      await store.save(fresh);
      replacedAccessToken = current.accessToken;
      return fresh;
    } catch (error) {
      const problem = toApiError(error, now());
      if (problem.status === 400 || problem.status === 401 || problem.status === 403) return null;
      throw problem;
    }
  }

  /** Every request that got a 401 comes here; concurrent ones share one refresh call. */
  async function refreshAfter(used: Tokens): Promise<Tokens | null> {
    if (refreshing) return refreshing;
    const current = await store.load();
    if (!current) return null;
    if (current.accessToken !== used.accessToken || used.accessToken === replacedAccessToken) return current;
    refreshing ??= doRefresh(current).finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  function config(method: HttpMethod, path: string, opts: { path?: object; query?: object; body?: unknown } | undefined, tokens: Tokens | null): AxiosRequestConfig {
    return {
      method,
      url: fillPath(path, opts?.path as Record<string, string> | undefined),
      params: opts?.query,
      data: opts?.body,
      headers: tokens ? { Authorization: `Bearer ${tokens.accessToken}` } : undefined,
    };
  }

  async function send<T>(method: HttpMethod, path: string, opts: { path?: object; query?: object; body?: unknown } | undefined): Promise<T> {
    let tokens = await store.load();
    if (!tokens) throw signedOutError();
    if (tokens.expiresAt !== undefined && now() >= tokens.expiresAt - EXPIRY_MARGIN_MS) {
      // Expired (the app slept): refresh first rather than spend a round trip on a certain 401.
      const fresh = await refreshAfter(tokens).catch(() => tokens); // offline: let the call itself fail
      if (!fresh) {
        await signOut();
        throw signedOutError();
      }
      tokens = fresh;
    }
    try {
      return (await http.request<T>(config(method, path, opts, tokens))).data;
    } catch (error) {
      const problem = toApiError(error, now());
      if (problem.status !== 401) throw problem;
      const fresh = await refreshAfter(tokens!);
      if (!fresh) {
        await signOut();
        throw problem;
      }
      try {
        return (await http.request<T>(config(method, path, opts, fresh))).data;
      } catch (retryError) {
        const again = toApiError(retryError, now());
        // A fresh token refused too: the account is gone or signed out everywhere.
        if (again.status === 401) await signOut();
        throw again;
      }
    }
  }

  async function sendPublic<T>(method: HttpMethod, path: string, opts: { path?: object; query?: object; body?: unknown } | undefined): Promise<T> {
    try {
      return (await http.request<T>(config(method, path, opts, null))).data;
    } catch (error) {
      throw toApiError(error, now());
    }
  }

  const client: ApiClient = {
    http,
    request: (method, path, opts) => send(method, path, opts as { path?: object }),
    publicRequest: (method, path, opts) => sendPublic(method, path, opts as { path?: object }),
    async login(email, password) {
      const body = await client.publicRequest('post', '/v1/auth/login', { body: { email, password } });
      const tokens = toTokens(body, body.refreshToken);
      await store.save(tokens);
      return tokens;
    },
    async logout() {
      try {
        await client.request('post', '/v1/auth/logout');
      } finally {
        // Signing out locally must work offline too; the server's session then just expires.
        await store.clear();
      }
    },
    onSignedOut(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return client;
}
