# syntax=docker/dockerfile:1
# One image for every app in apps/: the workspace is built once, and the container runs the app named
# by APP (a build argument or, more usually, an environment variable set by docker-compose). The `edge`
# target is the nginx edge with the API reference baked in.
#   docker build -t eudr-platform:local .
#   docker run --rm -e APP=auth-service -e MONGO_URL=... -e KAFKA_BROKERS=... eudr-platform:local
ARG NODE_VERSION=20

# Only the package manifests, so the dependency layer below is rebuilt only when they change.
FROM node:${NODE_VERSION}-bookworm-slim AS manifests
WORKDIR /repo
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
  && find . -type d -empty -delete

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /repo
COPY --from=manifests /repo ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx turbo run build --output-logs=errors-only \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf packages/*/src packages/*/test apps/*/src apps/*/test

# The edge of docker-compose: nginx with the API document and its reference page (/openapi.json, /docs)
# built above by packages/openapi, and the console (/console, apps/console). Its nginx.conf is mounted
# from infra/edge/nginx.compose.conf. (Before `runtime`, so that a plain `docker build .` still builds
# the app image.)
FROM nginx:1.27 AS edge
COPY --from=build /repo/packages/openapi/dist/public /usr/share/nginx/eudr-docs
COPY --from=build /repo/apps/console/dist /usr/share/nginx/eudr-console

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /srv
COPY --from=build /repo/package.json ./
COPY --from=build /repo/node_modules ./node_modules
COPY --from=build /repo/packages ./packages
COPY --from=build /repo/apps ./apps
# Where the development OpenID provider writes its public keys for the apps (a docker-compose volume,
# which takes the owner of this folder).
RUN install -d -o node -g node /srv/dev-oidc
USER node
ARG APP=""
ENV APP=${APP}
# exec: node becomes PID 1's direct replacement and receives SIGTERM for its graceful shutdown.
CMD ["sh", "-c", "exec node \"apps/${APP:?set APP to an app under apps/, e.g. auth-service}/dist/main.js\""]
