import { apiKeysRouter } from './routers/api-keys-router.js';
import { deliveriesRouter } from './routers/deliveries-router.js';
import { eventTypesRouter } from './routers/event-types-router.js';
import { eventsRouter } from './routers/events-router.js';
import { healthRouter } from './routers/health-router.js';
import { portalRouter } from './routers/portal-router.js';
import { projectsRouter } from './routers/projects-router.js';
import { webhooksRouter } from './routers/webhooks-router.js';
import { router } from './trpc.js';

export const appRouter = router({
  health: healthRouter,
  apiKeys: apiKeysRouter,
  projects: projectsRouter,
  eventTypes: eventTypesRouter,
  webhooks: webhooksRouter,
  events: eventsRouter,
  deliveries: deliveriesRouter,
  portal: portalRouter,
});

export type AppRouter = typeof appRouter;
