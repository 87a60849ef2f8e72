// Bearer-token guard. With a token configured, every /api/* request needs
// `Authorization: Bearer <token>`; the SSE stream may carry it as ?token= instead, because
// EventSource cannot set headers. The page and its assets stay loadable (they hold no data).
// Wrapped with fp: the hook must reach the routes of the whole app.
import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.ts';

export interface AuthOptions {
  token?: string;
  /** Paths that may carry the token in the query string. */
  queryTokenPaths?: string[];
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function presented(req: FastifyRequest, path: string, queryTokenPaths: string[]): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1];
  }
  if (queryTokenPaths.includes(path)) {
    const token = (req.query as Record<string, unknown> | undefined)?.token;
    if (typeof token === 'string') return token;
  }
  return undefined;
}

const auth: FastifyPluginAsync<AuthOptions> = async (app, opts) => {
  if (!opts.token) return;
  const expected = digest(opts.token);
  const queryTokenPaths = opts.queryTokenPaths ?? [];
  const isApi = (p: string) => p === '/api' || p.startsWith('/api/');
  app.addHook('onRequest', async (req, reply) => {
    // The matched route decides (the raw URL may be percent-encoded); the raw path covers 404s.
    const route = req.routeOptions.url;
    const path = req.url.split('?', 1)[0]!;
    if (!isApi(path) && !(route !== undefined && isApi(route))) return;
    const token = presented(req, route ?? path, queryTokenPaths);
    // Hashing first gives equal lengths, so the comparison takes the same time for any input.
    if (token !== undefined && timingSafeEqual(digest(token), expected)) return;
    reply.header('www-authenticate', 'Bearer realm="salesinsights"');
    throw new UnauthorizedError(token === undefined ? 'send Authorization: Bearer <token>' : 'the token does not match');
  });
};

export default fp(auth, { name: 'salesinsights-auth', fastify: '5.x' });
