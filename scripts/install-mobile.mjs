// Installs the app's own dependencies (mobile/ has its own lockfile) after the root install, so the README's
// `npm ci && npm test` covers the app too. Skipped when mobile/node_modules already matches its lockfile
// (a warm root install stays fast) and when mobile/ is absent (the Dockerfile builds the API alone).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const mobile = path.resolve(import.meta.dirname, '..', 'mobile');
const lockfile = path.join(mobile, 'package-lock.json');
if (!fs.existsSync(lockfile)) process.exit(0);

const stamp = path.join(mobile, 'node_modules', '.installed-lock-sha256');
const lockHash = createHash('sha256').update(fs.readFileSync(lockfile)).digest('hex');
if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === lockHash) process.exit(0);

console.log('installing the mobile app (mobile/package-lock.json) ...');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: mobile, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
fs.writeFileSync(stamp, lockHash);
