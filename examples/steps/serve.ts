/**
 * Serving: print where the two apps listen and a curl line with a live
 * token, then wait for Ctrl-C. With `--once`, or without a terminal on stdin
 * (CI), return at once so the example exits by itself.
 */
import type { ExampleContext } from '../context.js';
import type { RunningApps } from './http.js';

/** Waits for Ctrl-C (SIGINT) or SIGTERM unless `once`. */
export async function serveStep(ctx: ExampleContext, apps: RunningApps, once: boolean): Promise<void> {
  ctx.section('12. Serving');
  ctx.say(`Express: ${apps.expressUrl}`);
  ctx.say(`Fastify: ${apps.fastifyUrl}`);
  ctx.say('Try (the access token lives 15 minutes; org A owner):');
  ctx.say(`  curl -s -H 'Authorization: Bearer ${apps.owner.accessToken}' ${apps.expressUrl}/brands/${apps.brandId}/channels`);
  ctx.say(`  curl -s -H 'Authorization: Bearer ${apps.owner.accessToken}' ${apps.fastifyUrl}/security/isolation-proof`);
  if (once) {
    ctx.say('(--once or no terminal: stopping now)');
    return;
  }
  ctx.say('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  ctx.say('stopping');
}
