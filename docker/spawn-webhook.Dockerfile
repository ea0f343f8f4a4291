# syntax=docker/dockerfile:1
# Image of spawn-webhook. Build from the repository root (the build context):
#   docker build -f docker/spawn-webhook.Dockerfile -t <registry>/pchub/spawn-webhook:<tag> .
# The build stage bundles the app with esbuild (all third-party code included), so the
# runtime stage holds Node and one file: no node_modules, no npm, no sources, no secrets.

FROM node:24.21.0-trixie-slim AS build
WORKDIR /src
ENV NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI=true
COPY package.json package-lock.json ./
# Where a proxy re-signs HTTPS, its CA (PEM; scripts/build-images.sh passes it) for npm ci
# only: the file is gone after this step and the runtime stage never declares the ARG.
ARG BUILD_CA_CERTS=""
RUN if [ -n "$BUILD_CA_CERTS" ]; then \
      printf '%s\n' "$BUILD_CA_CERTS" > /tmp/build-ca.pem && export NODE_EXTRA_CA_CERTS=/tmp/build-ca.pem; \
    fi \
    && npm ci --no-audit --no-fund \
    && rm -f /tmp/build-ca.pem
COPY nx.json tsconfig.base.json ./
COPY libs ./libs
COPY apps ./apps
RUN npx nx build spawn-webhook --skip-nx-cache --outputStyle=stream

FROM node:24.21.0-trixie-slim AS runtime
LABEL org.opencontainers.image.title="pchub spawn-webhook" \
      org.opencontainers.image.description="The spawn-webhook hub service of pchub (docs/contracts.md#spawn-webhook)"
# A numeric user with a passwd entry: Kubernetes can verify runAsNonRoot, and libraries that
# look the user up still find one.
RUN groupadd --gid 10001 app \
    && useradd --no-log-init --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000
COPY --from=build /src/dist/apps/spawn-webhook/main.js ./main.js
USER 10001:10001
EXPOSE 8000
# Node is PID 1 and handles SIGTERM itself (graceful drain, then exit 0).
CMD ["node", "main.js"]
