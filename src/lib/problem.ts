/**
 * RFC 9457 problem details. Every error a client sees has this shape; `errors` lists each
 * invalid field for validation problems.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_BASE = 'https://auroravault.dev/problems/';

export const problemTypes = {
  validation: { slug: 'validation', title: 'Your request is not valid', status: 400 },
  malformedJson: { slug: 'malformed-json', title: 'The request body is not valid JSON', status: 400 },
  unauthorized: { slug: 'unauthorized', title: 'Authentication is required', status: 401 },
  forbidden: { slug: 'forbidden', title: 'Not allowed', status: 403 },
  notFound: { slug: 'not-found', title: 'Not found', status: 404 },
  methodNotAllowed: { slug: 'method-not-allowed', title: 'Method not allowed', status: 405 },
  conflict: { slug: 'conflict', title: 'Conflict', status: 409 },
  quotaExceeded: { slug: 'quota-exceeded', title: 'Storage quota exceeded', status: 409 },
  payloadTooLarge: { slug: 'payload-too-large', title: 'The request body is too large', status: 413 },
  unsupportedMediaType: { slug: 'unsupported-media-type', title: 'Unsupported media type', status: 415 },
  tooManyRequests: { slug: 'too-many-requests', title: 'Too many requests', status: 429 },
  internal: { slug: 'internal', title: 'Internal server error', status: 500 },
  unavailable: { slug: 'unavailable', title: 'Service unavailable', status: 503 },
  /** Shed past capacity (docs/architecture.md, "Overload"): nothing was done; retry after Retry-After. */
  overloaded: { slug: 'overloaded', title: 'The service is busy', status: 503 },
  /**
   * A dependency (database, storage, queue) did not answer in time or refused work (docs/reliability.md,
   * "Dependency outages"): retry after Retry-After; a retried upload or completion is safe.
   */
  dependencyUnavailable: { slug: 'dependency-unavailable', title: 'A service we depend on is not answering', status: 503 },
} as const;

export type ProblemKind = keyof typeof problemTypes;

export function problem(kind: ProblemKind, detail?: string, extensions: Record<string, unknown> = {}): Problem {
  const { slug, title, status } = problemTypes[kind];
  return { type: `${PROBLEM_BASE}${slug}`, title, status, ...(detail ? { detail } : {}), ...extensions };
}

/** Thrown by domain code and routes; the error handler renders it as problem+json. */
export class HttpProblem extends Error {
  readonly problem: Problem;
  /** Response headers that belong to the problem, e.g. Retry-After on a 429. */
  readonly headers: Record<string, string>;
  constructor(kind: ProblemKind, detail?: string, extensions?: Record<string, unknown>, headers: Record<string, string> = {}) {
    super(detail ?? problemTypes[kind].title);
    this.name = 'HttpProblem';
    this.problem = problem(kind, detail, extensions);
    this.headers = headers;
  }
  get statusCode(): number {
    return this.problem.status;
  }
}
