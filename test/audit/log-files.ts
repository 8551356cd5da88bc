import fs from 'node:fs';
import path from 'node:path';
import { LOG_SUFFIX, SECRETS_SUFFIX } from '../helpers/log-capture.js';
import { scanLine, SecretIndex, type Finding, type KnownSecret } from './log-scan.js';

/** Routes that answer 2xx only to a valid access token: a 2xx on one proves a token was on that request. */
const AUTHENTICATED_ROUTE = /^\/v1\/(?:me|photos|trash|uploads)(?:[/?]|$)/;

export interface LogAudit {
  files: number;
  lines: number;
  secrets: number;
  secretKinds: Set<string>;
  /** Requests to authenticated routes answered 2xx, i.e. carrying a valid token, that were logged. */
  authenticatedRequests: number;
  findings: (Finding & { file: string; line: number })[];
}

function readLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
}

/** Reads every captured log and secret file of a folder and scans each line. */
export function auditLogs(dir: string): LogAudit {
  const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const secrets: KnownSecret[] = names.filter((n) => n.endsWith(SECRETS_SUFFIX)).flatMap((n) => readLines(path.join(dir, n)).map((l) => JSON.parse(l) as KnownSecret));
  const index = new SecretIndex(secrets);
  const logs = names.filter((n) => n.endsWith(LOG_SUFFIX)).sort();
  const audit: LogAudit = {
    files: logs.length,
    lines: 0,
    secrets: index.size,
    secretKinds: new Set(secrets.map((s) => s.kind)),
    authenticatedRequests: 0,
    findings: [],
  };
  for (const name of logs) {
    // Request ids repeat across apps (a caller may choose one), so urls are matched to answers per file.
    const urls = new Map<string, string>();
    readLines(path.join(dir, name)).forEach((line, i) => {
      audit.lines++;
      for (const finding of scanLine(line, index)) audit.findings.push({ ...finding, file: name, line: i + 1 });
      let entry: { reqId?: string; req?: { url?: string }; res?: { statusCode?: number } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (!entry.reqId) return;
      if (entry.req?.url) urls.set(entry.reqId, entry.req.url);
      const status = entry.res?.statusCode;
      if (status && status >= 200 && status < 300 && AUTHENTICATED_ROUTE.test(urls.get(entry.reqId) ?? '')) audit.authenticatedRequests++;
    });
  }
  return audit;
}
