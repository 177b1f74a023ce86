# syntax=docker/dockerfile:1
# Latchkey: one container, one volume (/data), SQLite by default, PostgreSQL with DATABASE_URL.

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN NX_NO_CLOUD=true NX_DAEMON=false npx nx run-many -t build -p api admin portal jellyfin-gateway --outputStyle=stream \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    LATCHKEY_DATA_DIR=/data \
    LATCHKEY_WEB_DIR=/app/dist/apps \
    LATCHKEY_HOST=0.0.0.0 \
    LATCHKEY_PORT=8080 \
    TZ=UTC
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/package.json ./package.json
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.LATCHKEY_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "--enable-source-maps", "dist/apps/api/apps/api/src/main.js"]
