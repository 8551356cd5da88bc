import type { Page, Request, Route } from '../../mobile/node_modules/playwright-core/index.js';

export interface HeldRequests {
  /** Requests that matched so far (held or, after release, let through). */
  seen(): Request[];
  /** Lets the held requests go, and every later one through. */
  release(): Promise<void>;
}

/**
 * Holds the page's matching requests until release(): the test decides when "the network answers"
 * (a timeline fetch, a PUT to the bucket) instead of racing it.
 */
export async function holdRequests(page: Page, matcher: (url: URL) => boolean, method?: string): Promise<HeldRequests> {
  const seen: Request[] = [];
  const held: Route[] = [];
  let released = false;
  const handler = async (route: Route) => {
    const request = route.request();
    if (method && request.method() !== method) return route.fallback();
    seen.push(request);
    if (released) return route.continue();
    held.push(route);
  };
  await page.route(matcher, handler);
  return {
    seen: () => [...seen],
    release: async () => {
      released = true;
      // A request the page dropped meanwhile (a reload) cannot be continued: nothing to let through.
      await Promise.all(held.splice(0).map((route) => route.continue().catch(() => undefined)));
      await page.unroute(matcher, handler);
    },
  };
}
