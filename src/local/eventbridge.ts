import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { httpLocalService, type LocalService } from './service.js';

/** An event as EventBridge would deliver it to a rule's target. */
export interface RecordedEvent {
  id: string;
  time: string;
  source: string;
  'detail-type': string;
  eventBusName: string;
  detail: unknown;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
}

/**
 * No EventBridge emulator exists, so this is a small server speaking the real JSON 1.1 wire
 * protocol for the two calls the service makes (PutEvents, DescribeEventBus). Accepted events
 * are appended to events.jsonl and listed at GET /events for tests and curious developers.
 */
export function localEventBridge(options: { port: number; directory: string; busNames: () => string[] }): LocalService {
  const logFile = path.join(options.directory, 'events.jsonl');

  function putEvents(entries: PutEventsEntry[]) {
    const results = entries.map((entry) => {
      const bus = entry.EventBusName ?? 'default';
      if (!options.busNames().includes(bus) && bus !== 'default') {
        return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
      }
      if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Source, DetailType and Detail are required.' };
      }
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      const event: RecordedEvent = {
        id: randomUUID(),
        time: new Date().toISOString(),
        source: entry.Source,
        'detail-type': entry.DetailType,
        eventBusName: bus,
        detail,
      };
      fs.appendFileSync(logFile, `${JSON.stringify(event)}\n`);
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    if (req.method === 'GET' && req.url?.startsWith('/events')) {
      const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
      reply(res, 200, lines.map((line) => JSON.parse(line) as RecordedEvent));
      return;
    }
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || typeof target !== 'string' || !req.headers.authorization?.startsWith('AWS4-')) {
      reply(res, 400, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
      return;
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      reply(res, 400, { __type: 'SerializationException', message: 'Malformed JSON' });
      return;
    }
    if (target === 'AWSEvents.PutEvents') {
      const entries = Array.isArray(input.Entries) ? (input.Entries as PutEventsEntry[]) : [];
      if (entries.length < 1 || entries.length > 10) {
        reply(res, 400, { __type: 'ValidationException', message: 'Entries must hold 1 to 10 events.' });
        return;
      }
      reply(res, 200, putEvents(entries));
    } else if (target === 'AWSEvents.DescribeEventBus') {
      const name = typeof input.Name === 'string' ? input.Name : 'default';
      if (name !== 'default' && !options.busNames().includes(name)) {
        reply(res, 400, { __type: 'ResourceNotFoundException', message: `Event bus ${name} does not exist.` });
        return;
      }
      reply(res, 200, { Name: name, Arn: `arn:aws:events:us-east-1:000000000000:event-bus/${name}` });
    } else {
      reply(res, 400, { __type: 'UnknownOperationException', message: `${target} is not emulated locally` });
    }
  }

  return httpLocalService('eventbridge', options.port, async () => {
    fs.mkdirSync(options.directory, { recursive: true });
    const instance = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve, reject) => {
      instance.once('error', reject);
      instance.listen(options.port, '127.0.0.1', () => resolve());
    });
    return instance;
  });
}
