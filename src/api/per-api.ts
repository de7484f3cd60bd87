import type { ApiDeps } from './context.js';

/**
 * State an API keeps in memory (limiters, caches, lanes, the dispatched marker): one value per
 * API, i.e. per deps object, made on first use. Tests that build several APIs get one each.
 */
export function perApi<T>(make: (deps: ApiDeps) => T): (deps: ApiDeps) => T {
  const byDeps = new WeakMap<ApiDeps, T>();
  return (deps) => {
    let value = byDeps.get(deps);
    if (value === undefined) byDeps.set(deps, (value = make(deps)));
    return value;
  };
}
