FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
# npm ci applies patches/ and builds the JavaScript the CLI runs (dist/, with the dev dependency
# TypeScript), so both need the sources first; the dev dependencies go afterwards.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund
ENV NODE_ENV=production
CMD ["node", "bin/salesinsights.js", "start"]
