import { noSuch } from '../errors.ts';
import { paginate } from '../objects.ts';
import { str, strArray } from '../params.ts';
import type { Route } from '../router.ts';
import type { StripeEvent } from '../types.ts';

/** `charge.*` style wildcards, as Stripe's `type` filter accepts. */
function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes('*')) return (t) => t === pattern;
  const prefix = pattern.slice(0, pattern.indexOf('*'));
  return (t) => t.startsWith(prefix);
}

export const eventRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/events/:id',
    handler: (ctx, _p, { id }) => {
      const event = ctx.sim.store.get('events', id!);
      if (!event) throw noSuch('event', id!);
      return event;
    },
  },
  {
    method: 'GET',
    path: '/v1/events',
    handler: (ctx, p) => {
      const type = str(p, 'type');
      const types = strArray(p, 'types');
      const matchers = [...(type ? [type] : []), ...(types ?? [])].map(typeMatcher);
      const all = ctx.sim.store.newestFirst<StripeEvent>('events');
      const filtered = matchers.length ? all.filter((e) => matchers.some((m) => m(e.type))) : all;
      return paginate(filtered, p, '/v1/events');
    },
  },
];
