import { createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdminConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { TokenVerifier } from '../src/auth/token-verifier.js';
import { createCognitoClient } from '../src/aws/cognito.js';
import { createDynamoClient } from '../src/aws/dynamodb.js';
import { loadConfig, requireResources, withLocalStack } from '../src/config.js';
import { UsersRepository } from '../src/data/users.js';
import { keys } from '../src/data/keys.js';
import { startLocalStack } from '../src/local/stack.js';
import { median } from './support/stats.js';

/**
 * What authenticating a request costs: aws-jwt-verify's verify() with the JWKS in memory,
 * against a bare RS256 signature check of the same token (the floor), and the full
 * authenticate() (verify + the revocation read in DynamoDB) against a bare GetItem.
 */
const ROUNDS = 5;
const VERIFY_ITERATIONS = 2000;
const READ_ITERATIONS = 200;

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

    const users = new UsersRepository(dynamo, resources.table);
    const verifier = await TokenVerifier.create(config, resources, users, { warn: console.warn } as never);
    const jwks = (await (await fetch(`${stack.endpoints.cognito}/${resources.userPoolId}/.well-known/jwks.json`)).json()) as { keys: object[] };
    const publicKey = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
    const [h, p, s] = token.split('.');
    const signed = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s!, 'base64url');
    const sub = JSON.parse(Buffer.from(p!, 'base64url').toString()).sub as string;

    const rows = { rawRs256: [] as number[], verify: [] as number[], getItem: [] as number[], authenticate: [] as number[] };
    await timePerCall(200, () => verifier.verifyToken(token)); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      rows.rawRs256.push(await timePerCall(VERIFY_ITERATIONS, () => verify('RSA-SHA256', signed, publicKey, signature)));
      rows.verify.push(await timePerCall(VERIFY_ITERATIONS, () => verifier.verifyToken(token)));
      rows.getItem.push(
        await timePerCall(READ_ITERATIONS, () =>
          dynamo.send(new GetCommand({ TableName: resources.table, Key: keys.tokenRevocation(sub), ConsistentRead: true })),
        ),
      );
      rows.authenticate.push(await timePerCall(READ_ITERATIONS, () => verifier.authenticate(header)));
    }
    const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)])) as Record<keyof typeof rows, number>;
    console.log(`Access-token verification, ${ROUNDS} rounds (medians, µs per call)`);
    console.log(`  bare RS256 signature check (floor):     ${m.rawRs256.toFixed(1)} µs`);
    console.log(`  aws-jwt-verify verify(), JWKS cached:   ${m.verify.toFixed(1)} µs  (${(m.verify / m.rawRs256).toFixed(2)}x the floor)`);
    console.log(`  bare DynamoDB GetItem (local):          ${m.getItem.toFixed(0)} µs`);
    console.log(`  authenticate() = verify + revocation:   ${m.authenticate.toFixed(0)} µs  (${(m.authenticate / m.getItem).toFixed(2)}x a bare GetItem)`);
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
