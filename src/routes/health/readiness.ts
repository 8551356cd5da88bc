import type { HealthCheck } from '../../aws/client-options.js';
import type { ReadyResponse } from '../../schemas/health.js';

type DependencyStatus = ReadyResponse['dependencies'][keyof ReadyResponse['dependencies']];

/** Runs one probe, bounded by timeoutMs, and reports it (the error's name only, no internals). */
async function probeOnce(probe: HealthCheck, timeoutMs: number): Promise<DependencyStatus> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await Promise.race([
      probe.check(signal),
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('TimeoutError')), { once: true })),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const err = error as { name?: string; code?: string; message?: string };
    const reason = err.code ?? (err.name && err.name !== 'Error' ? err.name : err.message) ?? 'failed';
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: reason };
  }
}

/**
 * Readiness for anyone who asks, at a bounded cost: each dependency's result is reused for
 * `ttlMs` after its probe started, and callers arriving while a probe runs share it. So however
 * often /health/ready is called, each dependency is probed at most once per `ttlMs`, and a
 * dependency that fails shows as failed within `ttlMs + timeoutMs`.
 */
export class ReadinessCache {
  private readonly results = new Map<HealthCheck, { startedAt: number; status: Promise<DependencyStatus> }>();
  private readonly now: () => number;

  constructor(
    private readonly checks: readonly HealthCheck[],
    private readonly options: { ttlMs: number; timeoutMs: number; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
  }

  async report(): Promise<ReadyResponse> {
    const results = await Promise.all(this.checks.map(async (probe) => [probe.name, await this.status(probe)] as const));
    const dependencies = Object.fromEntries(results) as ReadyResponse['dependencies'];
    return { status: results.every(([, r]) => r.ok) ? 'ok' : 'unavailable', dependencies };
  }

  private status(probe: HealthCheck): Promise<DependencyStatus> {
    const now = this.now();
    const cached = this.results.get(probe);
    if (cached && now - cached.startedAt < this.options.ttlMs) return cached.status;
    const status = probeOnce(probe, this.options.timeoutMs);
    this.results.set(probe, { startedAt: now, status });
    return status;
  }
}
