import { AxiosError, AxiosHeaders, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';

export interface FakeRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  params: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * An axios adapter that plays the server: `handler` sees each request (path without the base URL,
 * parsed JSON body) and answers; a thrown error is a network failure (no answer at all).
 */
export function fakeAdapter(handler: (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>): { adapter: AxiosAdapter; requests: FakeRequest[] } {
  const requests: FakeRequest[] = [];
  const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig) => {
    const headers = Object.fromEntries(Object.entries(AxiosHeaders.from(config.headers).toJSON()).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const request: FakeRequest = {
      method: (config.method ?? 'get').toUpperCase(),
      url: config.url ?? '',
      headers,
      body: typeof config.data === 'string' ? JSON.parse(config.data) : config.data,
      params: config.params,
    };
    requests.push(request);
    let answer: FakeAnswer;
    try {
      answer = await handler(request);
    } catch (error) {
      throw new AxiosError(String(error), AxiosError.ERR_NETWORK, config);
    }
    const response = {
      status: answer.status,
      statusText: String(answer.status),
      data: answer.body,
      headers: new AxiosHeaders(answer.headers ?? {}),
      config,
    };
    if (answer.status >= 400) throw new AxiosError(`Request failed with status code ${answer.status}`, AxiosError.ERR_BAD_RESPONSE, config, null, response);
    return response;
  };
  return { adapter, requests };
}

export const problem = (status: number, title: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): FakeAnswer => ({
  status,
  body: { type: 'about:blank', title, status, ...extra },
  headers: { 'content-type': 'application/problem+json', ...headers },
});
