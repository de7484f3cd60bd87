import { createTRPCClient, httpLink } from '@trpc/client';
import type { AppRouter } from './app-router.js';

/** Typed client for Herald's API. `url` is the server root, e.g. `http://127.0.0.1:3000`. */
export function createHeraldClient(opts: { url: string; apiKey?: string; fetch?: typeof fetch }) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${opts.url.replace(/\/$/, '')}/trpc`,
        headers: () => (opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
        fetch: opts.fetch,
      }),
    ],
  });
}

export type HeraldClient = ReturnType<typeof createHeraldClient>;
export type { AppRouter };
