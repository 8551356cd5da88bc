import { CryptoDigestAlgorithm, digest } from 'expo-crypto';
import { File } from 'expo-file-system';
import AsyncStorage from '@react-native-async-storage/async-storage';
import * as SecureStore from 'expo-secure-store';
import { base64 } from './base64';
import type { KeyValueStore } from './storage';
import { createTokenStore, type TokenStore } from './tokens';
import { SourceUnavailableError, type ByteSource } from './upload-types';
import { createWebSources } from './web-sources';

// The platform's modules, bound here only: every other core module is plain TypeScript that runs
// (and is tested) without React Native.

/** The device's AsyncStorage (localStorage on web). */
export function asyncStorage(): KeyValueStore {
  return AsyncStorage;
}

/** The platform's token store: expo-secure-store where it works, else AsyncStorage (web). */
export function platformTokenStore(fallback: KeyValueStore = AsyncStorage): TokenStore {
  return createTokenStore(SecureStore, fallback);
}

/**
 * Base64 of the bytes' SHA-256, computed on the device so the server can say "duplicate" before any
 * upload. On web this is SubtleCrypto, which exists only in a secure context (https, localhost, 127.0.0.1).
 */
export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  // TS 6: a plain Uint8Array may sit on a SharedArrayBuffer, which digest() does not take; copy into an ArrayBuffer one.
  const data: Uint8Array<ArrayBuffer> = new Uint8Array(bytes);
  return base64(new Uint8Array(await digest(CryptoDigestAlgorithm.SHA256, data)));
}

/** A phone's files (expo-file-system): whole for hashing, one part's range through a file handle. */
export const nativeByteSource: ByteSource = {
  async read(source, range) {
    const file = new File(source.uri);
    if (!file.exists) throw new SourceUnavailableError();
    if (!range) return file.bytes();
    const handle = file.open();
    try {
      handle.offset = range.start;
      return handle.readBytes(range.end - range.start);
    } finally {
      handle.close();
    }
  },
};

/** The browser's picked files: copies kept in IndexedDB until uploaded, read back after a reload (web-sources.ts). */
export const webSources = createWebSources();
