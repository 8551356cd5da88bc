/**
 * The log audit's scanner, as pure functions: a line of server log either carries nothing secret or
 * yields findings. Two nets: the secrets the tests really used (registered by test/helpers as they
 * created them), and secret-shaped text, which also catches secrets no helper saw (a token minted by
 * a test on its own, a presigned URL, a header).
 */

export type SecretKind =
  | 'password'
  | 'access token'
  | 'id token'
  | 'refresh token'
  | 'authorization'
  | 'code'
  | 'email body'
  // Share links (test/sharing): the token is a JWT in a URL path; the password and a guest's name are form fields.
  | 'share link token'
  | 'share link password'
  | 'guest name';

export interface KnownSecret {
  kind: SecretKind;
  value: string;
}

export interface Finding {
  rule: string;
  /** The line with every secret found in it masked, so a report never repeats the secret. */
  excerpt: string;
}

interface Shape {
  rule: string;
  pattern: RegExp;
}

/** Quoted JSON keys whose value must be `[REDACTED]` if they are logged at all (the logger's censor). */
const NOT_REDACTED = '\\s*:\\s*"(?!\\[REDACTED\\])';

const SHAPES: Shape[] = [
  // Any JWT at all: access, id and refresh tokens (cognito-local's refresh tokens are JWTs too), or a forged one.
  { rule: 'JWT-shaped string', pattern: /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g },
  { rule: 'presigned S3 signature', pattern: /X-Amz-Signature=[0-9a-f]{16,}/gi },
  { rule: 'presigned credential', pattern: /X-Amz-(?:Credential|Security-Token)=(?!\[REDACTED\])[^&"\s]{8,}/gi },
  { rule: 'CloudFront signature', pattern: /[?&]Signature=[\w~-]{16,}/g },
  { rule: 'SigV4 Authorization value', pattern: /AWS4-HMAC-SHA256\s+Credential=\S+/g },
  { rule: 'Bearer credential', pattern: /\bBearer\s+(?!\[REDACTED\])[\w.~+/-]{20,}/gi },
  { rule: 'Authorization header value', pattern: new RegExp(`"(?:authorization|cookie|x-amz-security-token|x-origin-verify)"${NOT_REDACTED}`, 'gi') },
  { rule: 'password field', pattern: new RegExp(`"(?:password|newPassword|oldPassword|previousPassword|proposedPassword)"${NOT_REDACTED}`, 'gi') },
  {
    rule: 'token field',
    pattern: new RegExp(`"(?:token|accessToken|idToken|refreshToken|sessionToken|secretAccessKey)"${NOT_REDACTED}`, 'gi'),
  },
  // Cognito's codes are 6 digits; error codes (ECONNREFUSED) and HTTP statuses (numbers) are not strings of digits.
  { rule: 'code field', pattern: /"(?:code|confirmationCode)"\s*:\s*"\d{4,8}"/gi },
  { rule: 'code in a URL', pattern: /[?&](?:code|token)=(?!\[REDACTED\])[^&"\s]{4,}/gi },
];

const CODE_CANDIDATE = /(?<![A-Za-z0-9])\d{6}(?![A-Za-z0-9])/g;
const JWT_CANDIDATE = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/g;
/** An email body is found by any of its lines long enough not to occur by chance in a log line. */
const MIN_EMAIL_LINE = 24;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The secrets the tests used, indexed for a scan of many lines: codes and JWTs are looked up by
 * their exact text among the line's candidates; passwords and email-body lines (few distinct
 * values) go through one alternation.
 */
export class SecretIndex {
  readonly #codes = new Map<string, SecretKind>();
  readonly #jwts = new Map<string, SecretKind>();
  readonly #literals = new Map<string, SecretKind>();
  readonly #literalPattern: RegExp | undefined;

  constructor(secrets: Iterable<KnownSecret>) {
    for (const { kind, value } of secrets) {
      if (kind === 'email body') {
        for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_EMAIL_LINE) this.#literals.set(line.trim(), kind);
      } else if (/^\d{6}$/.test(value)) this.#codes.set(value, kind);
      else if (new RegExp(`^${JWT_CANDIDATE.source}$`).test(value)) this.#jwts.set(value, kind);
      // Shorter values ("x", "123") would match by chance; such inputs are tests of refusals, not secrets.
      else if (value.length >= 8) this.#literals.set(value, kind);
    }
    const literals = [...this.#literals.keys()].sort((a, b) => b.length - a.length);
    this.#literalPattern = literals.length > 0 ? new RegExp(literals.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  get size(): number {
    return this.#codes.size + this.#jwts.size + this.#literals.size;
  }

  /** Every known secret in the line, with its kind. */
  find(line: string): { kind: SecretKind; value: string }[] {
    const found: { kind: SecretKind; value: string }[] = [];
    for (const [candidates, index] of [
      [line.match(CODE_CANDIDATE), this.#codes],
      [line.match(JWT_CANDIDATE), this.#jwts],
      [this.#literalPattern ? line.match(this.#literalPattern) : null, this.#literals],
    ] as const) {
      for (const value of candidates ?? []) {
        const kind = index.get(value);
        if (kind) found.push({ kind, value });
      }
    }
    return found;
  }
}

function mask(line: string, values: string[]): string {
  let masked = line;
  for (const value of values) masked = masked.split(value).join('«secret»');
  for (const { pattern } of SHAPES) masked = masked.replace(pattern, (match) => `${match.slice(0, 12)}«…»`);
  return masked.length > 400 ? `${masked.slice(0, 400)}…` : masked;
}

/** What is wrong with one log line: nothing (an empty list) for a clean line. */
export function scanLine(line: string, known: SecretIndex): Finding[] {
  const secrets = known.find(line);
  const rules = [...secrets.map((s) => `known ${s.kind}`), ...SHAPES.filter((s) => line.search(s.pattern) !== -1).map((s) => s.rule)];
  if (rules.length === 0) return [];
  const excerpt = mask(
    line,
    secrets.map((s) => s.value),
  );
  return [...new Set(rules)].map((rule) => ({ rule, excerpt }));
}
