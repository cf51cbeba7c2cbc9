# The Bellwether controller image: Node 24 LTS, compiled JavaScript and production dependencies
# only, runs as a non-root user and needs no writable path but /tmp (deploy/controller/
# deployment.yaml mounts an emptyDir there for Git sync work trees, and sets
# readOnlyRootFilesystem). No TypeScript runtime: plain `node bin/bellwether.js`.
#
#   docker build -t ghcr.io/bellwether-dev/bellwether:$(node -p "require('./package.json').version") .
#   docker run --rm -v ~/.kube/config:/kubeconfig:ro IMAGE controller --kubeconfig /kubeconfig
#
# Pin the base by digest when publishing (docker buildx imagetools inspect node:24-bookworm-slim).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: all dependencies, then `npm run build` compiles src/ into dist/ ----------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY strategies ./strategies
COPY analysis ./analysis
RUN npm run build

# --- dependencies: production only, from the lockfile (no prepare: the build is done above) ------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# the sync controller (deploy/sync/) runs the real git, ssh and gpg (fetch, verify-commit)
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends git openssh-client gnupg ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# what bin/bellwether.js reaches (test/unit/image-contents.test.ts checks the list), plus crds/
# and deploy/ for `bellwether install`; tests are left out by .dockerignore
COPY package.json ./
COPY bin ./bin
COPY --from=build /app/dist ./dist
COPY crds ./crds
COPY deploy ./deploy
# the uid/gid the Deployment's securityContext names (runAsNonRoot needs a numeric user)
USER 65532:65532
# 8080: /healthz and /readyz; 8090: /metrics
EXPOSE 8080 8090
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/bellwether.js"]
CMD ["controller"]
