import { createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdminConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { RevocationSync } from '../src/auth/revocation-sync.js';
import { TokenVerifier } from '../src/auth/token-verifier.js';
import { createCognitoClient } from '../src/aws/cognito.js';
import { createDynamoClient } from '../src/aws/dynamodb.js';
import { loadConfig, requireResources, withLocalStack } from '../src/config.js';
import { RevocationFeed } from '../src/data/revocation-feed.js';
import { UsersRepository } from '../src/data/users.js';
import { keys } from '../src/data/keys.js';
import { startLocalStack } from '../src/local/stack.js';
import { quick, spread, writeResult } from './support/results.js';
import { median } from './support/stats.js';

/**
 * What authenticating a request costs: authenticate() as requests run it (signature and claims
 * checked with the JWKS in memory, revocation looked up in this instance's view of the feed: no
 * I/O) against a bare RS256 signature check of the same token (the floor), and the path every
 * request took before the feed (the same checks plus a strongly consistent read of the revocation
 * record, which is still the fallback when the view is not current) against a bare GetItem.
 */
// Many short rounds, each measuring the floor beside the figures: the ratios are taken per round,
// so the machine's drift (other processes) cancels out.
const ROUNDS = quick ? 2 : 15;
const VERIFY_ITERATIONS = quick ? 200 : 1000;
const BLOCK = 100;
const READ_ROUNDS = quick ? 2 : 5;
const READ_ITERATIONS = quick ? 20 : 200;

async function timePerCall(iterations: number, fn: () => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  return Number(process.hrtime.bigint() - started) / 1000 / iterations; // µs
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auroravault-bench-'));
  const stack = await startLocalStack({ dataDir });
  try {
    const config = withLocalStack(loadConfig({ STACK: 'local' }), stack);
    const resources = requireResources(config);
    const cognito = createCognitoClient(config);
    const dynamo = createDynamoClient(config);
    const email = 'bench@example.com';
    await cognito.send(new SignUpCommand({ ClientId: resources.userPoolClientId, Username: email, Password: 'Bench-Password-1' }));
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: resources.userPoolId, Username: email }));
    const auth = await cognito.send(
      new InitiateAuthCommand({ ClientId: resources.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: 'Bench-Password-1' } }),
    );
    const token = auth.AuthenticationResult!.AccessToken!;
    const header = `Bearer ${token}`;

    const silent = { warn: console.warn, info: () => undefined, child: () => silent } as never;
    const revocations = new RevocationSync({ feed: new RevocationFeed(dynamo, resources.table), pollIntervalMs: 1000, staleAfterMs: 3000, log: silent });
    const users = new UsersRepository(dynamo, resources.table, (state) => revocations.applyWritten(state));
    const verifier = await TokenVerifier.create(config, resources, users, revocations, silent);
    await revocations.start();
    const jwks = (await (await fetch(`${stack.endpoints.cognito}/${resources.userPoolId}/.well-known/jwks.json`)).json()) as { keys: object[] };
    const publicKey = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
    const [h, p, s] = token.split('.');
    const signed = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s!, 'base64url');
    const sub = JSON.parse(Buffer.from(p!, 'base64url').toString()).sub as string;
    // A revocation of another user, so the view is not empty.
    await users.revokeTokens('someone-else', Math.floor(Date.now() / 1000));

    // Every DynamoDB call the client makes, counted while authenticate() runs (the feed's own polls aside).
    let dynamoCalls = 0;
    dynamo.middlewareStack.add(
      (next) => (args) => {
        if (!JSON.stringify(args.input).includes('REVOCATIONS#')) dynamoCalls++;
        return next(args);
      },
      { step: 'initialize', name: 'benchCallCounter' },
    );

    const rows = { rawRs256: [] as number[], verify: [] as number[], authenticate: [] as number[], getItem: [] as number[], recordPath: [] as number[] };
    const authenticateCalls: number[] = [];
    await timePerCall(200, () => verifier.authenticate(header)); // warm-up
    // CPU-only figures first, in blocks of BLOCK calls taken in turn, so that every figure of a round
    // sees the same machine; then the DynamoDB ones (the local DynamoDB's JVM keeps working after them).
    for (let round = 0; round < ROUNDS; round++) {
      await revocations.poll(); // the view is current for the whole round
      const sums = { rawRs256: 0, verify: 0, authenticate: 0 };
      const before = dynamoCalls;
      for (let block = 0; block < VERIFY_ITERATIONS / BLOCK; block++) {
        sums.rawRs256 += await timePerCall(BLOCK, () => verify('RSA-SHA256', signed, publicKey, signature));
        sums.verify += await timePerCall(BLOCK, () => verifier.verifyToken(token));
        sums.authenticate += await timePerCall(BLOCK, () => verifier.authenticate(header));
      }
      authenticateCalls.push(dynamoCalls - before);
      for (const key of Object.keys(sums) as (keyof typeof sums)[]) rows[key].push(sums[key] / (VERIFY_ITERATIONS / BLOCK));
    }
    for (let round = 0; round < READ_ROUNDS; round++) {
      rows.getItem.push(
        await timePerCall(READ_ITERATIONS, () =>
          dynamo.send(new GetCommand({ TableName: resources.table, Key: keys.tokenRevocation(sub), ConsistentRead: true })),
        ),
      );
      rows.recordPath.push(
        await timePerCall(READ_ITERATIONS, async () => {
          await verifier.verifyToken(token);
          await users.revocation(sub);
        }),
      );
    }
    await revocations.stop();
    const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)])) as Record<keyof typeof rows, number>;
    const ratio = (row: number[]) => median(row.map((value, round) => value / rows.rawRs256[round]!));
    const r = { verify: ratio(rows.verify), authenticate: ratio(rows.authenticate), recordPath: m.recordPath / m.rawRs256 };
    const calls = authenticateCalls.reduce((a, b) => a + b, 0);
    console.log(`Access-token verification, ${ROUNDS} rounds (medians, µs per call; ratios: median of each round's ratio to its floor)`);
    console.log(`  bare RS256 signature check (floor):       ${m.rawRs256.toFixed(1)} µs`);
    console.log(`  verifyToken(), JWKS in memory:            ${m.verify.toFixed(1)} µs  (${r.verify.toFixed(2)}x the floor)`);
    console.log(`  authenticate(), revocation view:          ${m.authenticate.toFixed(1)} µs  (${r.authenticate.toFixed(2)}x the floor; ${calls} DynamoDB calls in ${ROUNDS * VERIFY_ITERATIONS})`);
    console.log(`  bare DynamoDB GetItem (local):            ${m.getItem.toFixed(0)} µs`);
    console.log(`  verify + record read (the path before):   ${m.recordPath.toFixed(0)} µs  (${r.recordPath.toFixed(0)}x the floor, ${(m.recordPath / m.getItem).toFixed(2)}x a bare GetItem)`);
    writeResult('token-verify', {
      baseline: { description: 'bare RS256 signature check of the same token (node:crypto verify)', microseconds: spread(rows.rawRs256) },
      figures: {
        verifyToken: { microseconds: spread(rows.verify), ratioToBaseline: r.verify },
        authenticate: { microseconds: spread(rows.authenticate), ratioToBaseline: r.authenticate, dynamoCalls: calls },
        recordPathBefore: { microseconds: spread(rows.recordPath), ratioToBaseline: r.recordPath, ratioToGetItem: m.recordPath / m.getItem },
        bareGetItem: { microseconds: spread(rows.getItem) },
      },
      parameters: { rounds: ROUNDS, verifyIterations: VERIFY_ITERATIONS, block: BLOCK, readRounds: READ_ROUNDS, readIterations: READ_ITERATIONS },
    });
    if (calls !== 0) throw new Error(`authenticate() made ${calls} DynamoDB calls with a current view`);
    cognito.destroy();
    dynamo.destroy();
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
