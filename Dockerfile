# The app's one image, for both the API and the worker (docker-compose.yml picks the command).
# Build stage: installs everything, compiles TypeScript and prebuilds the workflow bundle — the
# same `npm install` and `npm run build` that CI runs outside Docker (.ci/run).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is a native addon: its build needs a compiler and Python.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev

# Runtime stage: compiled code, the workflow bundle and production dependencies, run as `node`.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
CMD ["node", "dist/api/server.js"]
