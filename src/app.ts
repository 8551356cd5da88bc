import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { registerWelcomeEmail } from './accounts/welcome-email.js';
import { requireResources, type AppConfig } from './config.js';
import { HttpProblem } from './lib/problem.js';
import { loggerOptions } from './logger.js';
import awsPlugin from './plugins/app/aws.js';
import bodyParsing, { frameworkErrors, MAX_PARAM_LENGTH } from './plugins/app/body-parsing.js';
import accountsPlugin from './plugins/app/accounts.js';
import jobsPlugin from './plugins/app/jobs.js';
import overload, { boundedServer, InFlightBound } from './plugins/app/overload.js';
import photosPlugin from './plugins/app/photos.js';
import problems from './plugins/app/problems.js';
import uploadsPlugin from './plugins/app/uploads.js';
import albumsPlugin from './plugins/app/albums.js';
import albumMembersPlugin from './plugins/app/album-members.js';
import familyPlugin from './plugins/app/family.js';
import shareLinksPlugin from './plugins/app/share-links.js';
import webApp from './plugins/web-app.js';
import rateLimits from './plugins/app/rate-limits.js';
import devRoutes from './routes/dev/index.js';
import healthRoutes from './routes/health/index.js';
import authRoutes from './routes/v1/auth/index.js';
import meRoutes from './routes/v1/me/index.js';
import photoRoutes from './routes/v1/photos/index.js';
import trashRoutes from './routes/v1/trash/index.js';
import uploadRoutes from './routes/v1/uploads/index.js';
import albumRoutes from './routes/v1/albums/index.js';
import albumLinkRoutes from './routes/v1/albums/links.js';
import albumMemberRoutes from './routes/v1/albums/members.js';
import familyRoutes from './routes/v1/family/index.js';
import sharedRoutes from './routes/v1/shared/index.js';
import sharePages from './routes/share-pages/index.js';
import { documentObject, documentRoute } from './schemas/openapi.js';

/**
 * A hop count trusts exactly that many proxies in front of us (Fastify's own number option now
 * trusts none), so a client cannot choose its IP by sending its own X-Forwarded-For.
 */
function trustProxy(setting: boolean | number): boolean | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

export interface BuildOptions {
  /** Overrides the logger (tests pass false or a stream). */
  logger?: boolean | object;
}

/**
 * The application factory: external plugins, then our own (clients, jobs), then routes.
 * It does not listen; src/server.ts does, and tests call it with the local stack's config.
 */
/** The detail of the 503 a request gets once shutdown began (tests tell this refusal from other 503s by it). */
export const SHUTTING_DOWN_DETAIL = 'This instance is shutting down; try again';

export async function buildApp(config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const resources = requireResources(config);
  // Past the per-process bound, requests are answered 503 ahead of Fastify (docs/architecture.md, "Overload").
  const bound = new InFlightBound({ ...config.overload, exempt: ['/health/live', '/health/ready'], corsOrigins: config.http.corsOrigins });
  const app = Fastify({
    serverFactory: (listener, settings) => boundedServer(bound, listener, settings),
    logger: options.logger ?? loggerOptions(config),
    bodyLimit: config.http.bodyLimit,
    trustProxy: trustProxy(config.http.trustProxy),
    // A caller's X-Request-Id is kept (it ties their logs to ours) only when it is a sane token.
    requestIdHeader: false,
    // The router's own refusals (an over-long or badly encoded path parameter) as problem+json too.
    frameworkErrors,
    // Share link tokens are path parameters of a few hundred characters.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{8,128}$/.test(given) ? given : crypto.randomUUID();
    },
    // Keep-alive sockets must not hold a graceful shutdown hostage.
    forceCloseConnections: 'idle',
    // While closing, requests on kept-alive sockets get our own 503 (below) instead of Fastify's plain JSON one.
    return503OnClosing: false,
    // Connections are held, never capped: no per-socket request cap, no inactivity timeout; only idle
    // keep-alive sockets close, after the ALB's own 60 s idle timeout.
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Once closing, answers carry `Connection: close`: otherwise a keep-alive client whose request
  // was in flight keeps its socket open and server.close() waits for it until the timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // A request that arrives once shutdown began is refused before any work, as problem+json with Retry-After
  // (another instance answers the retry); liveness too, so the load balancer stops sending here.
  app.addHook('onRequest', async () => {
    if (closing) throw new HttpProblem('unavailable', SHUTTING_DOWN_DETAIL, {}, { 'retry-after': '1' });
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Answers are one user's data (tokens, signed URLs that expire): no shared or browser cache keeps them.
    // What may be cached (the web app's files) says so itself.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (closing) reply.header('connection', 'close');
  });

  // External plugins
  await app.register(helmet, { global: true });
  // Bearer tokens, no cookies: no credentials. An origin off the list gets no Access-Control-Allow-Origin.
  await app.register(cors, {
    origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'x-share-password'],
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'AuroraVault API',
        version: '1.0.0',
        description: 'Photo storage: presigned uploads, library, accounts. Every error is application/problem+json (RFC 9457).',
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      },
      // Relative: the app and the API share an origin; a client elsewhere sets its own base URL.
      servers: [{ url: '/', description: 'This service' }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (Cognito access token)' } },
      },
    },
    // The app's types are generated from this document (npm run openapi writes mobile/openapi.json).
    transform: documentRoute({ isRateLimited: (route) => [route.onRequest ?? []].flat().includes(app.authRateLimit) }),
    transformObject: documentObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  // App plugins
  await app.register(problems);
  await app.register(bodyParsing);
  await app.register(awsPlugin, { config, resources });
  await app.register(overload, { bound });
  await app.register(rateLimits, { config });
  await app.register(jobsPlugin, {
    sqs: app.aws.sqs,
    queueUrl: resources.queueUrl,
    workers: config.workers,
    // Jobs get the shutdown budget minus what the pool may still take after it aborts them (its 2 s grace
    // plus a second) and a second of margin, so a handler that ignores its abort never races the exit timer.
    stopTimeoutMs: Math.max(1000, config.shutdownTimeoutMs - 4000),
  });
  registerWelcomeEmail(app);
  await app.register(accountsPlugin);
  await app.register(photosPlugin);
  await app.register(uploadsPlugin);
  await app.register(albumsPlugin);
  await app.register(albumMembersPlugin);
  await app.register(shareLinksPlugin);
  await app.register(familyPlugin);

  // Routes
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, { prefix: '/health' });
  await app.register(authRoutes, { prefix: '/v1/auth' });
  await app.register(meRoutes, { prefix: '/v1/me' });
  await app.register(photoRoutes, { prefix: '/v1/photos' });
  await app.register(trashRoutes, { prefix: '/v1/trash' });
  await app.register(uploadRoutes, { prefix: '/v1/uploads' });
  await app.register(albumRoutes, { prefix: '/v1/albums' });
  await app.register(albumMemberRoutes, { prefix: '/v1/albums' });
  await app.register(albumLinkRoutes, { prefix: '/v1/albums' });
  await app.register(sharedRoutes, { prefix: '/v1/shared' });
  await app.register(familyRoutes, { prefix: '/v1/family' });
  await app.register(sharePages, { prefix: '/s' });
  if (config.devRoutes) await app.register(devRoutes, { prefix: '/_dev' });
  // The app's web build on this origin, for the URLs no route above answers.
  if (config.webAppDir !== undefined) await app.register(webApp, { root: config.webAppDir, config });

  return app;
}
