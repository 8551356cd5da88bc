import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback proxy in front of the local DynamoDB that fails chosen operations the way an outage
 * does (HTTP 500, InternalServerError; `*` fails every one) and forwards everything else. An app
 * pointed at it loses DynamoDB while the apps beside it, and the shared stack, keep theirs.
 */
export async function failingDynamo(target: string): Promise<{
  endpoint: string;
  /** Operations (X-Amz-Target suffixes: Query, GetItem, ...) that fail until cleared; `*` for all. */
  failing: Set<string>;
  /** Calls per operation that reached the proxy, with the item key or partition each named (JSON). */
  calls: { operation: string; body: string }[];
  close(): Promise<void>;
}> {
  const failing = new Set<string>();
  const calls: { operation: string; body: string }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const body = Buffer.concat(chunks);
      calls.push({ operation, body: body.toString() });
      if (failing.has(operation) || failing.has('*')) {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected outage' }));
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
      ) as Record<string, string>;
      fetch(new URL(request.url ?? '/', target), { method: request.method, headers, body })
        .then(async (upstream) => {
          const answer = Buffer.from(await upstream.arrayBuffer());
          // The CRC32 header is left out on purpose: the SDK skips the check without it.
          response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/x-amz-json-1.0' });
          response.end(answer);
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
