# syntax=docker/dockerfile:1
#
# AuroraVault API image. Three stages:
#   build   - full install (dev dependencies included) and `tsc` into dist/
#   deps    - production dependencies only (`npm ci --omit=dev`)
#   runtime - node:20-bookworm-slim + the deps stage's node_modules + dist/ + package.json, run as `node`
#
# No stage runs package install scripts (--ignore-scripts): every package in package-lock.json that
# declares one (@swc/core, esbuild, @parcel/watcher, aws-sdk) is a dev dependency, and `tsc` needs none.
# test/deploy/dockerfile.test.ts checks these rules and replays the stages in a temp folder.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache this leaves in /root/.npm stays in this stage: the runtime stage copies node_modules only.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# SHUTDOWN_TIMEOUT_MS stays below `docker stop`'s default 10 s grace period, so the app's own drain
# finishes (and exits 0) before the engine would SIGKILL it. Raise both together (ECS: stopTimeout).
ENV NODE_ENV=production \
    STACK=aws \
    HOST=0.0.0.0 \
    PORT=3000 \
    SHUTDOWN_TIMEOUT_MS=8000
WORKDIR /app
# Files stay owned by root: the `node` user can read them but not change the app.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
# Slim images have no curl or wget: Node's own fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# Exec form, no shell: the base image's docker-entrypoint.sh does `exec "$@"`, so node replaces it as
# PID 1 and receives SIGTERM itself. As PID 1 the kernel drops signals that have no handler, so the app
# must (and does) install its own SIGTERM handler. Its only children are the photo decoder processes
# (dist/photos/processing/decoder-child.js), which Node itself reaps and which spawn nothing, so no init
# (tini / `docker run --init`) is needed.
CMD ["node", "dist/server.js"]
