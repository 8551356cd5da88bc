import axios, { type AxiosInstance } from 'axios';
import type { ApiClient } from './api-client';
import { toApiError } from './errors';
import type { UploadTransport } from './upload-types';

/** The exact bytes as an ArrayBuffer: axios would send a view's whole underlying buffer. */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * The queue's HTTP side: the API through the authenticated client, the bytes straight to S3 through
 * the presigned URLs with only the headers the API returned (no Authorization: the URL is the credential).
 */
export function httpUploadTransport(api: ApiClient, s3: AxiosInstance = axios.create({ timeout: 5 * 60_000 })): UploadTransport {
  return {
    async requestUploads(items) {
      return (await api.request('post', '/v1/uploads', { body: { items } })).items;
    },
    async completeUploads(items) {
      return (await api.request('post', '/v1/uploads/complete', { body: { items } })).items;
    },
    async put(url, headers, body, onProgress) {
      try {
        const response = await s3.put(url, exactBuffer(body), {
          // Only what was signed: a multipart part URL takes no Content-Type of ours.
          headers,
          // Keep the body as bytes: axios must not serialize or re-encode it.
          transformRequest: [(data: unknown) => data],
          responseType: 'text',
          onUploadProgress: onProgress ? (event) => onProgress(event.loaded) : undefined,
        });
        const etag = response.headers.etag ?? response.headers.ETag;
        return { etag: typeof etag === 'string' ? etag : undefined };
      } catch (error) {
        throw toApiError(error);
      }
    },
  };
}
