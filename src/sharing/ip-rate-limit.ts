import { isIPv6 } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WindowCounter } from '../lib/fixed-window.js';
import { HttpProblem } from '../lib/problem.js';

export type IpRateLimitHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The groups of an IPv6 address, `::` expanded (an embedded IPv4 tail counts as two groups). */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const part = (text: string) => (text === '' ? [] : text.split(':').flatMap((g) => (g.includes('.') ? ['v4', 'v4'] : [g])));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right];
}

/**
 * Who a per-address budget counts: the IPv4 address, or an IPv6 address's /64 (one subscriber's
 * network: a client rotating through its own /64 is still one client).
 */
export function clientKey(ip: string): string {
  const address = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  if (!isIPv6(address)) return address;
  return `${ipv6Groups(address.split('%')[0]!.toLowerCase())
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export interface IpRateLimitOptions {
  /** Requests per client address and window; undefined lets everything through. */
  max: number | undefined;
  windowSeconds?: number;
  /** What the 429 says is limited. */
  what: string;
  /** Epoch milliseconds; tests move time with it. */
  now?: () => number;
}

/**
 * An onRequest hook counting requests per client address (`request.ip`: the real client behind TRUST_PROXY
 * hops) in this process's memory, in fixed windows (src/lib/fixed-window.ts): no I/O per request. Over the
 * budget: a 429 problem with Retry-After until the window ends.
 */
export function createIpRateLimit(options: IpRateLimitOptions): IpRateLimitHook {
  const { max } = options;
  if (max === undefined) return async () => undefined;
  const counter = new WindowCounter(options.windowSeconds ?? 60);
  const now = options.now ?? Date.now;
  return async (request) => {
    const { count, window } = counter.hit(clientKey(request.ip), now());
    if (count > max) {
      throw new HttpProblem('tooManyRequests', `Too many ${options.what} from your address; try again in ${window.secondsLeft} s`, {}, { 'retry-after': String(window.secondsLeft) });
    }
  };
}
