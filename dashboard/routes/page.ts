// The page: dashboard/public through @fastify/static, and chart.js from the installed package
// (never a CDN) at /vendor/chart.umd.js.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** The UMD build of chart.js inside node_modules: [folder, file]. */
export function chartJsFile(): [string, string] {
  const dist = dirname(createRequire(import.meta.url).resolve('chart.js'));
  const file = ['chart.umd.min.js', 'chart.umd.js'].find((f) => existsSync(join(dist, f)));
  if (!file) throw new Error(`chart.js has no UMD build in ${dist}`);
  return [dist, file];
}

const pageRoutes: FastifyPluginAsync = async (app) => {
  const [chartDir, chartFile] = chartJsFile();
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: 'index.html', cacheControl: true, maxAge: 0 });
  app.get('/vendor/chart.umd.js', (_req, reply) =>
    reply.header('cache-control', 'public, max-age=86400').sendFile(chartFile, chartDir),
  );
};

export default pageRoutes;
