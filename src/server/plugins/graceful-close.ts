// A clean stop under keep-alive. `app.close()` stops accepting and waits for in-flight requests,
// but a keep-alive connection whose request finishes after the close began would then stay open
// until its idle timeout (72 s), holding the process past any grace period. From the moment the
// close begins, every response tells its client to close the connection, so the server is free as
// soon as the last in-flight request has its answer.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

async function gracefulClosePlugin(app: FastifyInstance) {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}

export default fp(gracefulClosePlugin, { name: 'graceful-close' });
