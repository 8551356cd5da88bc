import type { KeyValueStore } from './storage';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  idToken?: string;
  /** Epoch ms when the access token stops working (from expiresIn at login/refresh). */
  expiresAt?: number;
}

export interface TokenStore {
  load(): Promise<Tokens | null>;
  save(tokens: Tokens): Promise<void>;
  clear(): Promise<void>;
}

const KEY = 'auroravault.tokens.v1';

/** The subset of expo-secure-store we use (injected so tests need no native module). */
export interface SecureStoreLike {
  isAvailableAsync(): Promise<boolean>;
  getItemAsync(key: string): Promise<string | null>;
  setItemAsync(key: string, value: string): Promise<void>;
  deleteItemAsync(key: string): Promise<void>;
}

function parse(raw: string | null): Tokens | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<Tokens>;
    return typeof value.accessToken === 'string' && typeof value.refreshToken === 'string' ? (value as Tokens) : null;
  } catch {
    return null;
  }
}

/**
 * Tokens in the Keychain/Keystore where the platform has one; on web expo-secure-store is not available
 * (isAvailableAsync() is false and setItemAsync throws), so they go to AsyncStorage, which is
 * localStorage there: it survives reloads but is not secret, the usual trade-off of a web app.
 */
export function createTokenStore(secure: SecureStoreLike | null, fallback: KeyValueStore): TokenStore {
  let backend: Promise<KeyValueStore> | undefined;
  const pick = (): Promise<KeyValueStore> =>
    (backend ??= (async () => {
      const available = secure ? await secure.isAvailableAsync().catch(() => false) : false;
      if (!available || !secure) return fallback;
      return {
        getItem: (k) => secure.getItemAsync(k),
        setItem: (k, v) => secure.setItemAsync(k, v),
        removeItem: (k) => secure.deleteItemAsync(k),
        getAllKeys: async () => [],
      } satisfies KeyValueStore;
    })());
  return {
    load: async () => parse(await (await pick()).getItem(KEY)),
    save: async (tokens) => (await pick()).setItem(KEY, JSON.stringify(tokens)),
    clear: async () => (await pick()).removeItem(KEY),
  };
}
