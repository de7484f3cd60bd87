import { createDispatchedMarker, type DispatchedMarker } from '../core/dispatched-mark.js';
import type { ApiDeps } from './context.js';
import { perApi } from './per-api.js';


/** One marker per API. */
export const dispatchedMarker: (deps: ApiDeps) => DispatchedMarker = perApi((deps) => createDispatchedMarker(deps.db, deps.log));
