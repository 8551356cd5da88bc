import { isAxiosError } from 'axios';

export interface FieldError {
  path: string;
  message: string;
}

/**
 * Every failed call, typed: an HTTP answer (its problem+json details when the server sent them) or,
 * with status 0, no answer at all (offline, DNS, CORS, timeout). The queue and the screens decide
 * from `status`, `retryable` and `retryAfterMs`, never from message text.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly type?: string;
  readonly errors: FieldError[];
  /** From the Retry-After header, in milliseconds from the moment the answer arrived. */
  readonly retryAfterMs?: number;

  constructor(init: { status: number; title: string; detail?: string; type?: string; errors?: FieldError[]; retryAfterMs?: number }) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.type = init.type;
    this.errors = init.errors ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }

  /** Worth trying again later: no answer, a timeout, throttling or a server-side failure. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 10.2.3); anything else is ignored. */
export function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function header(headers: unknown, name: string): unknown {
  if (!headers || typeof headers !== 'object') return undefined;
  const maybeGet = (headers as { get?: unknown }).get;
  if (typeof maybeGet === 'function') {
    const value = (maybeGet as (n: string) => unknown).call(headers, name);
    if (value !== undefined && value !== null) return value;
  }
  return (headers as Record<string, unknown>)[name] ?? (headers as Record<string, unknown>)[name.toLowerCase()];
}

function fieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((e): e is { path?: unknown; message?: unknown } => typeof e === 'object' && e !== null)
    .map((e) => ({ path: String(e.path ?? ''), message: String(e.message ?? '') }));
}

/** Turns whatever axios (or our own code) threw into an ApiError. */
export function toApiError(error: unknown, nowMs: number = Date.now()): ApiError {
  if (error instanceof ApiError) return error;
  if (isAxiosError(error)) {
    const response = error.response;
    if (!response) return new ApiError({ status: 0, title: 'Network error', detail: error.message });
    const body = response.data as Record<string, unknown> | undefined;
    const problem = body && typeof body === 'object' ? body : {};
    return new ApiError({
      status: response.status,
      title: typeof problem.title === 'string' ? problem.title : `HTTP ${response.status}`,
      detail: typeof problem.detail === 'string' ? problem.detail : undefined,
      type: typeof problem.type === 'string' ? problem.type : undefined,
      errors: fieldErrors(problem.errors),
      retryAfterMs: parseRetryAfter(header(response.headers, 'retry-after'), nowMs),
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError({ status: 0, title: 'Network error', detail: message });
}
