import { CryptoDigestAlgorithm, digest } from 'expo-crypto';
import { File } from 'expo-file-system';
import { SourceUnavailableError, type ByteSource } from './upload-types';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 with padding (what the API's sha256 field wants); React Native has no Buffer. */
export function base64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]!;
    out += b === undefined ? '=' : ALPHABET[(n >> 6) & 63]!;
    out += c === undefined ? '=' : ALPHABET[n & 63]!;
  }
  return out;
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

/**
 * The browser's picked files, by their blob: URI. Those die with the page: after a reload an unfinished
 * item cannot be read and asks to be picked again (its reservation on the server is reused if it is).
 */
export const webByteSource: ByteSource = {
  async read(source, range) {
    let blob: Blob;
    try {
      blob = await (await fetch(source.uri)).blob();
    } catch {
      throw new SourceUnavailableError('The photo is no longer available in this browser tab: pick it again');
    }
    const part = range ? blob.slice(range.start, range.end) : blob;
    return new Uint8Array(await part.arrayBuffer());
  },
};
