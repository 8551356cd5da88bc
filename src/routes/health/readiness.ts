import type { HealthCheck } from '../../aws/client-options.js';
import type { ReadyResponse } from '../../schemas/health.js';

/** Runs every probe in parallel, each bounded by timeoutMs, and reports each one. */
export async function checkReadiness(checks: HealthCheck[], timeoutMs: number): Promise<ReadyResponse> {
  const results = await Promise.all(
    checks.map(async (probe) => {
      const started = performance.now();
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await Promise.race([
          probe.check(signal),
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('TimeoutError')), { once: true })),
        ]);
        return [probe.name, { ok: true, latencyMs: Math.round(performance.now() - started) }] as const;
      } catch (error) {
        const err = error as { name?: string; code?: string; message?: string };
        const reason = err.code ?? (err.name && err.name !== 'Error' ? err.name : err.message) ?? 'failed';
        return [probe.name, { ok: false, latencyMs: Math.round(performance.now() - started), error: reason }] as const;
      }
    }),
  );
  const dependencies = Object.fromEntries(results) as ReadyResponse['dependencies'];
  return { status: results.every(([, r]) => r.ok) ? 'ok' : 'unavailable', dependencies };
}
