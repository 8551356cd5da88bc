import { TEST_LOG_DIR } from '../helpers/log-capture.js';
import { auditLogs } from './log-files.js';

/**
 * Run by `npm test` after the whole suite (test/audit/jest.config.js): no line the suite's servers
 * logged holds a password, token, code, presigned signature, Authorization value or email body.
 * The floors below keep it from passing on an empty or partial capture: a full run writes far
 * more (see the report in docs/security.md, "Logs").
 */
const MIN_FILES = 10;
const MIN_LINES = 2000;
const MIN_AUTHENTICATED_REQUESTS = 100;

describe('the test suite’s server logs', () => {
  const audit = auditLogs(TEST_LOG_DIR);

  it('were captured from the whole suite, authenticated requests included', () => {
    console.log(`log audit: ${audit.lines} lines in ${audit.files} files, ${audit.authenticatedRequests} authenticated requests, ${audit.secrets} secrets`);
    expect(audit.files).toBeGreaterThanOrEqual(MIN_FILES);
    expect(audit.lines).toBeGreaterThanOrEqual(MIN_LINES);
    expect(audit.authenticatedRequests).toBeGreaterThanOrEqual(MIN_AUTHENTICATED_REQUESTS);
    // What the scan looks for: the secrets the helpers saw the tests use.
    expect([...audit.secretKinds].sort()).toEqual(expect.arrayContaining(['access token', 'authorization', 'code', 'email body', 'id token', 'password', 'refresh token']));
  });

  it('hold no secret', () => {
    const report = audit.findings.slice(0, 20).map((f) => `${f.file}:${f.line} ${f.rule}: ${f.excerpt}`);
    expect({ findings: audit.findings.length, first: report }).toEqual({ findings: 0, first: [] });
  });
});
