import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import pino from 'pino';
// cognito-local's building blocks (its own default server hard-codes `.cognito/` in the working folder).
import { DateClock, LambdaService, TriggersService, type MessagesService } from 'cognito-local/lib/services';
import { CognitoServiceFactoryImpl } from 'cognito-local/lib/services/cognitoService';
import { StormDBDataStoreFactory } from 'cognito-local/lib/services/dataStore/stormDb';
import { UserPoolServiceFactoryImpl } from 'cognito-local/lib/services/userPoolService';
import { CryptoService } from 'cognito-local/lib/services/crypto';
import { JwtTokenGenerator } from 'cognito-local/lib/services/tokenGenerator';
import { otp } from 'cognito-local/lib/services/otp';
import { DefaultConfig } from 'cognito-local/lib/server/config';
import { Router } from 'cognito-local/lib/server/Router';
import { createServer } from 'cognito-local/lib/server/server';
import { cognitoExtensions } from './cognito-extensions.js';
import { httpLocalService, type LocalService } from './service.js';

/** A message Cognito would e-mail itself in production (sign-up confirmation, password reset...). */
export interface CognitoMessage {
  source: string;
  to: string;
  code: string;
  username: string;
}

interface PoolSpec {
  id: string;
  name: string;
  passwordPolicy: Record<string, unknown>;
}

/**
 * Cognito user pools via cognito-local, assembled in-process (its default server reads
 * `.cognito/` from the working folder) so that: data lives under our data folder, tokens
 * carry the real issuer domain (aws-jwt-verify insists on it), the pool has a real-looking
 * id, and codes are handed to `deliver` instead of being printed.
 */
export function localCognito(options: {
  port: number;
  directory: string;
  region: string;
  pool: () => PoolSpec;
  deliver: (message: CognitoMessage) => Promise<void>;
}): LocalService {
  async function build() {
    const logger = pino({ level: 'silent' });
    const ctx = { logger: logger as never };
    const dataDirectory = path.join(options.directory, 'db');
    fs.mkdirSync(dataDirectory, { recursive: true });
    const config = {
      ...DefaultConfig,
      TokenConfig: { IssuerDomain: `https://cognito-idp.${options.region}.amazonaws.com` },
      ServerConfig: { port: options.port, hostname: '127.0.0.1', development: false, https: false as const },
    };
    const clock = new DateClock();
    const dataStoreFactory = new StormDBDataStoreFactory(dataDirectory);
    const cognito = await new CognitoServiceFactoryImpl(
      dataDirectory,
      dataStoreFactory,
      new UserPoolServiceFactoryImpl(clock, dataStoreFactory),
    ).create(ctx, config.UserPoolDefaults);

    // The pool gets the real-looking id that aws-jwt-verify accepts; created once, then read from disk.
    const pool = options.pool();
    // getUserPool throws synchronously when the pool is unknown.
    const exists = await Promise.resolve()
      .then(() => cognito.getUserPool(ctx, pool.id))
      .then(() => true, () => false);
    if (!exists) {
      await cognito.createUserPool(ctx, {
        Id: pool.id,
        Name: pool.name,
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        Policies: { PasswordPolicy: pool.passwordPolicy },
      });
    }

    const triggers = new TriggersService(clock, cognito, new LambdaService({}, {} as never), new CryptoService(config.KMSConfig));
    const messages = {
      deliver: async (_ctx: unknown, source: string, _clientId: unknown, _poolId: string, user: { Username: string }, code: string, _meta: unknown, details: { Destination?: string }) => {
        await options.deliver({ source, code, username: user.Username, to: details.Destination ?? user.Username });
      },
    };
    const services = {
      clock,
      cognito,
      config,
      messages: messages as unknown as MessagesService,
      otp,
      tokenGenerator: new JwtTokenGenerator(clock, triggers, config.TokenConfig),
      triggers,
    };
    const route = Router(services);
    const extensions = cognitoExtensions(services);
    return createServer((target) => extensions[target] ?? route(target), logger as never, config.ServerConfig, services);
  }

  return httpLocalService('cognito', options.port, async () => {
    const instance = await build();
    return (await instance.start()) as Server;
  });
}
