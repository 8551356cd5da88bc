// npm test clears the log capture before the suite, so that the audit after it reads this run's logs only.
import fs from 'node:fs';

fs.rmSync(new URL('../../artifacts/test-logs', import.meta.url), { recursive: true, force: true });
