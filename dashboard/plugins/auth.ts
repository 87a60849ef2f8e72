// Bearer-token guard. With a token configured, every /api/* request (and /metrics) needs
// `Authorization: Bearer <token>`; the SSE stream may carry it as ?token= instead, because
// EventSource cannot set headers. The page and its assets stay loadable (they hold no data).
// A query token is taken out of the URL before routing (takeQueryToken, the app's rewriteUrl),
// so no log line, error message or handler ever sees it.
// Wrapped with fp: the hook must reach the routes of the whole app.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors.ts';

/** The query tokens taken out of request URLs, by raw request (one `token` parameter only). */
const queryTokens = new WeakMap<IncomingMessage, string>();

function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * For fastify's `rewriteUrl`: the URL without its `token` query parameters (a reserved name on
 * every path), keeping the token aside for the auth hook. Other parameters stay as they were.
 */
export function takeQueryToken(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if (q < 0) return url;
  const kept: string[] = [];
  const tokens: string[] = [];
  for (const part of url.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    if (decodeQueryPart(eq < 0 ? part : part.slice(0, eq)) === 'token') tokens.push(decodeQueryPart(eq < 0 ? '' : part.slice(eq + 1)));
    else kept.push(part);
  }
  if (tokens.length === 0) return url;
  // Two tokens are none (neither is taken over the other): the request needs the header then.
  if (tokens.length === 1) queryTokens.set(req, tokens[0]!);
  const rewritten = kept.length > 0 ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q);
  // fastify keeps the URL it was given as request.originalUrl: that one goes too.
  (req as IncomingMessage & { originalUrl?: string }).originalUrl = rewritten;
  return rewritten;
}

export interface AuthOptions {
  token?: string;
  /** Paths that may carry the token in the query string. */
  queryTokenPaths?: string[];
  /** Paths outside /api that need the token too (/metrics). */
  guardedPaths?: string[];
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time token comparison: hashing first gives equal lengths, so it takes the same time for any input. */
export function sameToken(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function presented(req: FastifyRequest, path: string, queryTokenPaths: string[]): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1];
  }
  return queryTokenPaths.includes(path) ? queryTokens.get(req.raw) : undefined;
}

const auth: FastifyPluginAsync<AuthOptions> = async (app, opts) => {
  if (!opts.token) return;
  const expected = digest(opts.token);
  const queryTokenPaths = opts.queryTokenPaths ?? [];
  const guardedPaths = opts.guardedPaths ?? [];
  const isGuarded = (p: string) => p === '/api' || p.startsWith('/api/') || guardedPaths.includes(p);
  app.addHook('onRequest', async (req, reply) => {
    // The matched route decides (the raw URL may be percent-encoded); the raw path covers 404s.
    const route = req.routeOptions.url;
    const path = req.url.split('?', 1)[0]!;
    if (!isGuarded(path) && !(route !== undefined && isGuarded(route))) return;
    const token = presented(req, route ?? path, queryTokenPaths);
    // Hashing first gives equal lengths, so the comparison takes the same time for any input.
    if (token !== undefined && timingSafeEqual(digest(token), expected)) return;
    reply.header('www-authenticate', 'Bearer realm="salesinsights"');
    throw new UnauthorizedError(token === undefined ? 'send Authorization: Bearer <token>' : 'the token does not match');
  });
};

export default fp(auth, { name: 'salesinsights-auth', fastify: '5.x' });
