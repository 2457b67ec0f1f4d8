# syntax=docker/dockerfile:1.7
# Weft gateway: the only door for agents and for callers of published APIs.
# Build from the repository root:
#   docker build -f infra/docker/gateway.Dockerfile -t weft/gateway .
# infra/scripts/deploy-smoke.mjs runs the same deploy + prune steps and the result, outside the
# workspace, against real services: that is the test of what this image holds.

# Node.js 26 is the Active LTS line (Node 20 reached end of life in April 2026). Pin a digest in
# production: --build-arg NODE_IMAGE=node:26-trixie-slim@sha256:...
ARG NODE_IMAGE=node:26-trixie-slim

FROM ${NODE_IMAGE} AS build
ENV CI=true \
    TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1 \
    SCARF_ANALYTICS=false
WORKDIR /repo
# pnpm at exactly the version package.json's "packageManager" names (installed with npm:
# corepack's signature check fails against some registries, and Node 25+ no longer ships it).
COPY package.json ./
RUN npm install --global "$(node -p "require('./package.json').packageManager.split('+')[0]")" \
 && pnpm --version
# Dependencies first, from the lockfile alone, so this layer survives source changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=cache,id=weft-pnpm-store,target=/pnpm/store \
    pnpm fetch --store-dir /pnpm/store
COPY . .
RUN --mount=type=cache,id=weft-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline --store-dir /pnpm/store
RUN pnpm exec turbo run build --filter=@weft/gateway...
# A self-contained production package: the app, its built @weft/* dependencies copied in, and
# its production dependencies only. Why --legacy: infra/README.md.
RUN --mount=type=cache,id=weft-pnpm-store,target=/pnpm/store \
    pnpm --filter @weft/gateway deploy --prod --legacy --store-dir /pnpm/store /out \
 && node infra/docker/prune-deploy.mjs /out

FROM ${NODE_IMAGE} AS runtime
# The runtime needs node and nothing else that can install or fetch code.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && groupadd --system --gid 10001 weft \
 && useradd --system --uid 10001 --gid weft --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin weft
WORKDIR /app
# Owned by root and read-only to the service user: the process cannot rewrite its own code.
COPY --from=build /out/ ./
ENV NODE_ENV=production \
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=3100
USER 10001:10001
EXPOSE 3100
# Liveness only (/health touches no dependency); orchestrators should gate traffic on /ready.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.GATEWAY_PORT||3100)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# No arguments: serve. `--help` prints the usage.
ENTRYPOINT ["node", "dist/main.js"]
