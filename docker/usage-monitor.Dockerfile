# syntax=docker/dockerfile:1
# Image of usage-monitor. Build from the repository root (the build context):
#   docker build -f docker/usage-monitor.Dockerfile -t <registry>/pchub/usage-monitor:<tag> .
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
RUN npx nx build usage-monitor --skip-nx-cache --outputStyle=stream

FROM node:24.21.0-trixie-slim AS runtime
LABEL org.opencontainers.image.title="pchub usage-monitor" \
      org.opencontainers.image.description="The usage-monitor hub service of pchub (docs/contracts.md#usage-monitor)"
# A numeric user with a passwd entry: Kubernetes can verify runAsNonRoot, and libraries that
# look the user up still find one.
RUN groupadd --gid 10001 app \
    && useradd --no-log-init --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000
# Bounds the heap: with Node's own sizing the monitor peaks near 400 MB RSS at 50,000 active
# users on a big node (V8 postpones GC), with these under 200 MB (bench/usage-monitor). The
# chart's memory limit (helm/pchub values usageMonitor.resources) is set to match; raise both
# together (usageMonitor.env.NODE_OPTIONS) beyond ~75,000 active users.
ENV NODE_OPTIONS="--max-old-space-size=96 --max-semi-space-size=8"
COPY --from=build /src/dist/apps/usage-monitor/main.js ./main.js
USER 10001:10001
EXPOSE 8000
# Node is PID 1 and handles SIGTERM itself (graceful drain, then exit 0).
CMD ["node", "main.js"]
