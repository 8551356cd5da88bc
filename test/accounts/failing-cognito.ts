import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback proxy in front of the local Cognito that fails chosen operations the way an AWS
 * outage does (HTTP 500, InternalErrorException) and forwards everything else, JWKS included.
 * Stopping the shared Cognito would break the tests running beside this one.
 */
export async function failingCognito(target: string): Promise<{
  endpoint: string;
  /** Operations (X-Amz-Target suffixes, e.g. AdminUserGlobalSignOut) that fail until healed. */
  failing: Set<string>;
  /** How many calls of each operation reached the proxy. */
  calls: Map<string, number>;
  close(): Promise<void>;
}> {
  const failing = new Set<string>();
  const calls = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      if (operation) calls.set(operation, (calls.get(operation) ?? 0) + 1);
      if (failing.has(operation)) {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'InternalErrorException', message: 'injected outage' }));
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
      ) as Record<string, string>;
      fetch(new URL(request.url ?? '/', target), {
        method: request.method,
        headers,
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : Buffer.concat(chunks),
      })
        .then(async (upstream) => {
          const body = Buffer.from(await upstream.arrayBuffer());
          response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
          response.end(body);
        })
        .catch(() => {
          response.writeHead(502);
          response.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    failing,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
