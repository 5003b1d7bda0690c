# Convene in a container (docs/deploy.md). Three stages: the TypeScript build, the production
# dependencies (better-sqlite3 is a native addon: python3, make and g++ in case no prebuilt binary
# fits), and a runtime with neither compilers nor dev dependencies, run as a non-root user.
#   docker build -t convene .
#   docker run -d -p 8080:8080 -v convene-data:/data convene serve --behind-proxy

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own "prepare" (tsc) needs the sources, copied below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

FROM node:20-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the lock file's versions, without dev dependencies; then the one native addon's install
# step (a prebuilt binary, else a build with the compilers above).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production \
    CONVENE_DATA=/data \
    CONVENE_HOST=0.0.0.0 \
    CONVENE_PORT=8080
WORKDIR /app
COPY package.json ./
COPY bin ./bin
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
# A fixed UID/GID, so a volume or bind mount can be given to it: chown 10001:10001 DIR.
RUN groupadd --system --gid 10001 convene \
 && useradd --system --uid 10001 --gid convene --home-dir /data --shell /usr/sbin/nologin convene \
 && mkdir -p /data && chown convene:convene /data && chmod 0700 /data
USER convene
VOLUME ["/data"]
# 8080: EAS (plain HTTP behind a TLS proxy, or TLS with --tls-cert/--tls-key); 2525: SMTP when
# started with --smtp-port 2525 (publish it as 25: docker run -p 25:2525).
EXPOSE 8080 2525
# /healthz reads the store; over https when the server speaks TLS itself (any certificate: it is us).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const tls = !!(process.env.CONVENE_TLS || process.env.CONVENE_TLS_CERT); const m = require(tls ? 'node:https' : 'node:http'); m.get({ host: '127.0.0.1', port: process.env.CONVENE_PORT || 8080, path: '/healthz', rejectUnauthorized: false, timeout: 4000 }, r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# SIGTERM drains (--drain-seconds, default 5): give `docker stop` more than that (-t 30, or
# stop_grace_period in compose).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/bin/convene.js"]
CMD ["serve"]
