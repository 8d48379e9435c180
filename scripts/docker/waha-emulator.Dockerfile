# syntax=docker/dockerfile:1
#
# The WAHA emulator as an image, for the `emulator` profile of docker-compose.override.yml (development and
# demos only, never production). Build context: the repository root.
#   docker build -f scripts/docker/waha-emulator.Dockerfile -t whatsapp-service/waha-emulator .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY backend/package.json backend/
COPY frontend/package.json frontend/
COPY waha-emulator/package.json waha-emulator/
COPY bench/package.json bench/

FROM manifests AS build
RUN npm ci --workspace waha-emulator --include-workspace-root --no-audit --no-fund
COPY tsconfig.base.json ./
COPY waha-emulator/tsconfig.json waha-emulator/tsconfig.build.json waha-emulator/
COPY waha-emulator/src waha-emulator/src
RUN npm run build -w waha-emulator

FROM manifests AS prod-deps
RUN npm ci --omit=dev --workspace waha-emulator --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    WAHA_EMULATOR_HOST=0.0.0.0 \
    WAHA_EMULATOR_PORT=3000
WORKDIR /app
COPY --from=prod-deps /app /app
COPY --from=build /app/waha-emulator/dist /app/waha-emulator/dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=5s --retries=10 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "waha-emulator/dist/main.js"]
