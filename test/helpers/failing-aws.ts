import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FailingAwsProxy {
  endpoint: string;
  /** Operations (X-Amz-Target suffixes: Query, AdminUserGlobalSignOut, ...) that fail until cleared; `*` for all. */
  failing: Set<string>;
  /** Every call that reached the proxy: its operation and its JSON body. */
  calls: { operation: string; body: string }[];
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of a local AWS JSON service that fails chosen operations the way an AWS
 * outage does (HTTP 500 with the service's own error type) and forwards everything else (Cognito's
 * JWKS included). An app pointed at it loses that service while the apps beside it, and the shared
 * stack, keep theirs.
 */
async function failingAwsJson(target: string, outage: { contentType: string; errorType: string }): Promise<FailingAwsProxy> {
  const failing = new Set<string>();
  const calls: { operation: string; body: string }[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const body = Buffer.concat(chunks);
      if (operation) calls.push({ operation, body: body.toString() });
      if (failing.has(operation) || (operation && failing.has('*'))) {
        response.writeHead(500, { 'content-type': outage.contentType });
        response.end(JSON.stringify({ __type: outage.errorType, message: 'injected outage' }));
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)),
      ) as Record<string, string>;
      const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
      fetch(new URL(request.url ?? '/', target), { method: request.method, headers, body: hasBody ? body : undefined })
        .then(async (upstream) => {
          const answer = Buffer.from(await upstream.arrayBuffer());
          // A CRC32 header is left out on purpose: the SDK skips the check without it.
          response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? outage.contentType });
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

export const failingDynamo = (target: string) =>
  failingAwsJson(target, { contentType: 'application/x-amz-json-1.0', errorType: 'com.amazonaws.dynamodb.v20120810#InternalServerError' });

export const failingCognito = (target: string) => failingAwsJson(target, { contentType: 'application/x-amz-json-1.1', errorType: 'InternalErrorException' });
