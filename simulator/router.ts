// A small router: Stripe's API has a few dozen routes, and a linear scan over compiled patterns
// costs well under a microsecond.
import type { Params } from './params.ts';
import type { Ctx } from './sim.ts';

export type Handler = (ctx: Ctx, params: Params, path: Record<string, string>) => unknown;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  handler: Handler;
  /** Also callable with a publishable key (what Stripe.js does). */
  publishable?: boolean;
}

interface Compiled extends Route {
  regex: RegExp;
  names: string[];
}

export class Router {
  private routes: Compiled[] = [];

  add(routes: Route[]): void {
    for (const route of routes) {
      const names: string[] = [];
      const source = route.path.replace(/:([a-z_]+)/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      // Built from the route table's own literals, never from requests.
      // eslint-disable-next-line security/detect-non-literal-regexp
      this.routes.push({ ...route, regex: new RegExp(`^${source}/?$`), names });
    }
  }

  match(method: string, path: string): { route: Compiled; params: Record<string, string> } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => (params[n] = safeDecode(m[i + 1]!)));
      return { route, params };
    }
    return null;
  }
}

/** A malformed %-escape is kept as typed: it will simply not match any id. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
