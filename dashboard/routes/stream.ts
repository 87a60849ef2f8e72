// GET /api/stream: Server-Sent Events (init, sales, health); see ../live.ts.
import type { FastifyPluginAsync } from 'fastify';
import type { LiveHub } from '../live.ts';
import { errorReplies } from '../schemas.ts';

const streamRoutes: FastifyPluginAsync<{ hub: LiveHub }> = async (app, { hub }) => {
  app.get(
    '/stream',
    {
      schema: {
        // token: for EventSource, which cannot send an Authorization header; plugins/auth.ts takes
        // it out of the URL before routing, so the handler never sees it.
        querystring: { type: 'object', properties: { token: { type: 'string', maxLength: 512 } } },
        response: { 200: { type: 'string', description: 'text/event-stream' }, ...errorReplies(401) },
      },
    },
    (req, reply) => hub.connect(req, reply),
  );
};

export default streamRoutes;
