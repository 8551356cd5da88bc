import AsyncStorage from '@react-native-async-storage/async-storage';
import { createTokenStore, type SecureStoreLike } from '../../src/core/tokens';
import { asyncStorage } from '../../src/core/platform';
import { MemoryStore } from '../helpers/memory-store';

function fakeSecureStore(available: boolean): SecureStoreLike & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    isAvailableAsync: async () => available,
    getItemAsync: async (k) => items.get(k) ?? null,
    setItemAsync: async (k, v) => {
      // expo-secure-store on web: unavailable, and writing throws.
      if (!available) throw new Error('setValueWithKeyAsync is not a function');
      items.set(k, v);
    },
    deleteItemAsync: async (k) => {
      items.delete(k);
    },
  };
}

const tokens = { accessToken: 'a', refreshToken: 'r', idToken: 'i', expiresAt: 5 };

test('tokens go to the secure store where it is available, not to AsyncStorage', async () => {
  const secure = fakeSecureStore(true);
  const fallback = new MemoryStore();
  const store = createTokenStore(secure, fallback);
  await store.save(tokens);
  expect(await store.load()).toEqual(tokens);
  expect(secure.items.size).toBe(1);
  expect(fallback.data.size).toBe(0);
  await store.clear();
  expect(await store.load()).toBeNull();
});

test('where the secure store is unavailable (web) tokens fall back to AsyncStorage', async () => {
  const store = createTokenStore(fakeSecureStore(false), asyncStorage());
  await store.save(tokens);
  expect(await createTokenStore(fakeSecureStore(false), asyncStorage()).load()).toEqual(tokens);
  expect(await AsyncStorage.getAllKeys()).toContain('auroravault.tokens.v1');
  await store.clear();
});

test('a corrupt stored value reads as signed out, not as a crash', async () => {
  const fallback = new MemoryStore();
  await fallback.setItem('auroravault.tokens.v1', '{not json');
  expect(await createTokenStore(null, fallback).load()).toBeNull();
});
