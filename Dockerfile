# syntax=docker/dockerfile:1
# Paydeck's image: the compiled build on Node.js 24 (.nvmrc), production dependencies only, run as
# the unprivileged `node` user. ADR 017.
#
#   docker build -t paydeck .
#   docker run --env-file .env -p 3000:3000 paydeck                                  # the server
#   docker run --env-file .env paydeck node --import ./dist/server/src/observability/preload.js \
#     dist/server/src/jobs/worker-main.js                                            # a worker
#   docker run --env-file .env paydeck node dist/server/src/db/migrate-main.js       # migrations
#   docker run --env-file .env paydeck node dist/server/src/cli/audit-verify-main.js # audit check
#
# compose.yaml runs all of them with PostgreSQL, Redis and the monitoring stack.

ARG NODE_VERSION=24

# --- build: the same `npm ci` and `npm run build` (scripts/build.mjs) as CI and `npm start` ------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Built into the web app (a CDN for the hashed assets); the server reads the same setting at run
# time, so pass the same value to both.
ARG ASSET_BASE_URL=/
RUN ASSET_BASE_URL="${ASSET_BASE_URL}" npm run build

# --- runtime: dist/ and the production dependencies, nothing else --------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# DATA_DIR holds only the simulator's webhook endpoint when DATABASE_URL is set; it must be
# writable by the user the server runs as.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
# paydeck_build_info's commit label: docker build --build-arg BUILD_COMMIT=$(git rev-parse HEAD)
ARG BUILD_COMMIT=
# Two glibc malloc arenas, not eight per core: the server's RSS stays under its 256 MB (ADR 033).
ENV HOST=0.0.0.0 \
    MALLOC_ARENA_MAX=2 \
    BUILD_COMMIT=${BUILD_COMMIT} \
    PORT=3000 \
    DATA_DIR=/app/.data
EXPOSE 3000
# /readyz answers 200 once the database, the job queue (and Redis, when configured) answer. Plain HTTP on the
# container's own port: with TLS_CERT_FILE set, replace this check.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM stops the server gracefully within SHUTDOWN_GRACE_SECONDS (25 s by default, ADR 016):
# give the container runtime a longer stop timeout (compose.yaml: stop_grace_period).
STOPSIGNAL SIGTERM
# The tracing preload comes first (ADR 021): with OTEL_EXPORTER_OTLP_ENDPOINT set it instruments
# pg and HTTP before they load; unset, it does nothing. The worker's command does the same.
CMD ["node", "--import", "./dist/server/src/observability/preload.js", "dist/server/src/server/main.js"]
