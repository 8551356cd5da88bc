import net from 'node:net';

/**
 * Phones with the app open but mostly idle: keep-alive HTTP/1.1 connections that each read the account
 * (GET /v1/me) when they open, then once every PING_SECONDS (random phase, from its own opening), so no idle
 * timeout closes them.
 * autocannon cannot hold connections that send less than one request per second (it caps `connections` at
 * `overallRate`), so the load benchmark holds the rest of its 10,000 connections here. `check()` sends GET
 * /health/live (no dependency: it does not queue behind the load) on every socket at the end: a socket the server
 * closed counts as dropped, one that did not answer in 30 s as unanswered.
 */
export const PING_SECONDS = 45;

export interface PingStats {
  statuses: Record<string, number>;
  /** Response times of the 2xx answers, ms. */
  servedMs: number[];
  /** A ping not answered within the timeout, or on a socket that closed. */
  failed: number;
}

export interface HeldConnections {
  opened: number;
  /** Sockets that failed to connect, or were closed before answering their first request. */
  failedToOpen: number;
  statuses: Record<string, number>;
  /** How long opening them all took. */
  openingSeconds: number;
  /**
   * Sockets closed so far: how many, by error code ('' for a clean close by the server), the median quiet time
   * before it, and when the first, median and last closed (seconds from the start of opening).
   */
  closes(): { count: number; byError: Record<string, number>; medianIdleMs: number; closedAtSeconds: number[] };
  /** Starts counting the pings; the returned function stops counting and gives what they got. */
  startPings(): () => Promise<PingStats>;
  check(): Promise<{ answered: number; dropped: number; unanswered: number; statuses: Record<string, number> }>;
  close(): void;
}

interface Held {
  socket: net.Socket;
  closed: boolean;
  /** When the socket last sent or received, and how long it had been quiet when it closed (ms). */
  lastActivity: number;
  idleAtClose?: number;
  /** Seconds from the start of opening to its close. */
  closedAt?: number;
  closeError?: string;
  waiting?: (status: number) => void;
  buffer: string;
}

/**
 * Reads one whole response (status line, headers, Content-Length body) off a raw socket's buffer, if it has
 * arrived: what the benchmarks that hold thousands of sockets read their answers with.
 */
export function takeResponse(socket: { buffer: string }): { status: number; retryAfter?: string } | undefined {
  const end = socket.buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = socket.buffer.slice(0, end);
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
  if (socket.buffer.length < end + 4 + length) return undefined;
  socket.buffer = socket.buffer.slice(end + 4 + length);
  return { status: Number(head.slice(9, 12)), retryAfter: /\r\nretry-after:\s*(\S+)/i.exec(head)?.[1] };
}

function request(held: Held, host: string, path: string, token: string, timeoutMs: number): Promise<number> {
  if (held.closed) return Promise.resolve(0);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(-1), timeoutMs);
    const finish = (status: number) => {
      clearTimeout(timer);
      held.waiting = undefined;
      resolve(status);
    };
    held.waiting = finish;
    held.lastActivity = performance.now();
    held.socket.write(`GET ${path} HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${token}\r\naccept: application/json\r\n\r\n`);
  });
}

export async function holdConnections(url: string, count: number, tokens: string[], openConcurrency = 200): Promise<HeldConnections> {
  const { hostname, port, host } = new URL(url);
  const all: Held[] = [];
  const statuses: Record<string, number> = {};
  const timers: NodeJS.Timeout[] = [];
  const openedAt = performance.now();
  let failedToOpen = 0;
  // Pings run from each socket's opening (so none is quiet longer than PING_SECONDS, however long opening them all
  // takes); only those between startPings() and its stop are counted.
  let stats: PingStats | undefined;
  const inFlight = new Set<Promise<void>>();
  const ping = (held: Held, i: number) => {
    if (held.waiting || held.closed) return;
    const counted = stats;
    const started = performance.now();
    const done = request(held, host, '/v1/me', tokens[i % tokens.length]!, 10_000).then((status) => {
      inFlight.delete(done);
      if (!counted) return;
      counted.statuses[status] = (counted.statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) counted.servedMs.push(performance.now() - started);
      if (status <= 0) counted.failed++;
    });
    inFlight.add(done);
  };
  const open = async (index: number) => {
    const held: Held = { socket: net.connect({ host: hostname, port: Number(port) }), closed: false, buffer: '', lastActivity: performance.now() };
    held.socket.setEncoding('latin1');
    held.socket.on('data', (chunk: string) => {
      held.buffer += chunk;
      held.lastActivity = performance.now();
      const answer = takeResponse(held);
      if (answer !== undefined) held.waiting?.(answer.status);
    });
    const gone = (error?: NodeJS.ErrnoException) => {
      if (!held.closed) {
        held.idleAtClose = performance.now() - held.lastActivity;
        held.closedAt = performance.now() - openedAt;
      }
      if (error) held.closeError ??= error.code ?? error.message;
      held.closed = true;
      held.waiting?.(0);
    };
    held.socket.on('error', gone);
    held.socket.on('close', () => gone());
    const connected = await new Promise<boolean>((resolve) => {
      held.socket.once('connect', () => resolve(true));
      held.socket.once('error', () => resolve(false));
    });
    const status = connected ? await request(held, host, '/v1/me', tokens[index % tokens.length]!, 30_000) : 0;
    statuses[status] = (statuses[status] ?? 0) + 1;
    // A 503 (shed) or -1 (slow) still leaves the socket open and held; 0 means it never connected or was closed.
    if (status === 0) failedToOpen++;
    all.push(held);
    // Random phase: the pings of sockets opened together spread over the interval.
    const first = setTimeout(() => {
      ping(held, index);
      timers.push(setInterval(() => ping(held, index), PING_SECONDS * 1000));
    }, (0.2 + 0.8 * Math.random()) * PING_SECONDS * 1000);
    timers.push(first);
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(openConcurrency, count) }, async () => {
      while (next < count) await open(next++);
    }),
  );
  const openingSeconds = (performance.now() - openedAt) / 1000;
  return {
    opened: count - failedToOpen,
    failedToOpen,
    statuses,
    openingSeconds,
    closes() {
      const closed = all.filter((held) => held.closed);
      const byError: Record<string, number> = {};
      for (const held of closed) byError[held.closeError ?? ''] = (byError[held.closeError ?? ''] ?? 0) + 1;
      const mid = <T>(values: T[]) => values[Math.floor(values.length / 2)];
      const idle = closed.map((held) => held.idleAtClose ?? 0).sort((a, b) => a - b);
      const at = closed.map((held) => held.closedAt ?? 0).sort((a, b) => a - b);
      return { count: closed.length, byError, medianIdleMs: mid(idle) ?? 0, closedAtSeconds: at.length ? [at[0]! / 1000, mid(at)! / 1000, at.at(-1)! / 1000] : [] };
    },
    startPings() {
      const counted: PingStats = { statuses: {}, servedMs: [], failed: 0 };
      stats = counted;
      return async () => {
        stats = undefined;
        await Promise.all(inFlight);
        return counted;
      };
    },
    async check() {
      for (const timer of timers) clearTimeout(timer);
      await Promise.all(inFlight);
      const after: Record<string, number> = {};
      const results = await Promise.all(all.map((held, i) => request(held, host, '/health/live', tokens[i % tokens.length]!, 30_000)));
      for (const status of results) after[status] = (after[status] ?? 0) + 1;
      const count = (test: (status: number) => boolean) => results.filter(test).length;
      return { answered: count((s) => s > 0), dropped: count((s) => s === 0), unanswered: count((s) => s < 0), statuses: after };
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      for (const held of all) held.socket.destroy();
    },
  };
}
