import { Agent, type Dispatcher } from 'undici';
import type { HeraldConfig } from '../../config.js';
import type { ReceiverCredentials } from '../../security/receiver-auth.js';
import type { Resolver } from '../../security/url-safety.js';
import { tunnelConnector } from './egress-tunnel.js';
import { createDeliveryAgent } from './send-attempt.js';
import { TeamAgents } from './team-agents.js';

/** `webhooks.egress_proxy`: this value means no proxy for the webhook, whatever the deployment's. */
export const DIRECT_EGRESS = 'direct';

const CONNECT_TIMEOUT_MS = 10_000;

/** How an attempt leaves the worker: the deployment's proxy, the webhook's own, or none; and its client certificate. */
export interface EgressRoute {
  /** The proxy URL (may carry credentials: never log it); null: direct. */
  proxy: string | null;
  /** The proxy is the webhook's own (a tenant's input, so it is vetted like a target). */
  ownProxy: boolean;
  /** mTLS receiver auth's credentials; null: none. */
  mtls: Extract<ReceiverCredentials, { kind: 'mtls' }> | null;
  /** Keys the agent cache: changes exactly when route or credentials do (fingerprints, not secrets). */
  key: string;
}

/**
 * The delivery dispatchers of one worker. A plain webhook (no client certificate, no proxy of its
 * own) uses its team's agent (team-agents.ts), which tunnels through HERALD_EGRESS_PROXY when
 * that is set: the same cost as before for every webhook without receiver auth. A webhook with
 * a client certificate or its own proxy gets an agent of its own, kept like the team agents (LRU,
 * idle close), keyed by its route so a changed certificate or proxy takes effect at the next attempt.
 */
export class Egress {
  private readonly teams: TeamAgents;
  private readonly webhooks: TeamAgents;

  constructor(
    private readonly opts: {
      config: HeraldConfig;
      resolve: Resolver;
      lookup: (...args: any[]) => void;
    },
  ) {
    const { delivery } = opts.config;
    const proxy = delivery.egressProxy;
    this.teams = new TeamAgents(
      () =>
        proxy === null
          ? createDeliveryAgent({ lookup: opts.lookup, connections: delivery.teamConnectionsPerOrigin })
          : this.agent({ proxy, ownProxy: false, mtls: null, key: '' }, delivery.teamConnectionsPerOrigin),
      delivery.teamPools,
    );
    this.webhooks = new TeamAgents(() => {
      throw new Error('a webhook agent is always created with its route');
    }, delivery.teamPools);
  }

  /** The dispatcher for one attempt; dispatch on it at once (team-agents.ts). */
  for(teamId: string, webhookId: string, route: EgressRoute | null): Dispatcher {
    if (route === null) return this.teams.for(teamId);
    return this.webhooks.for(`${webhookId}|${route.key}`, () => this.agent(route, 4));
  }

  /** Teams with an agent now (operators and tests). */
  get teamAgents(): number {
    return this.teams.size;
  }

  private agent(route: EgressRoute, connections: number): Dispatcher {
    const tls = route.mtls ? { cert: route.mtls.cert, key: route.mtls.key, ...(route.mtls.ca ? { ca: route.mtls.ca } : {}) } : undefined;
    if (route.proxy === null)
      return new Agent({
        connect: { timeout: CONNECT_TIMEOUT_MS, lookup: this.opts.lookup, ...tls },
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 60_000,
        connections,
      });
    return new Agent({
      connect: tunnelConnector({
        proxy: route.proxy,
        resolve: this.opts.resolve,
        allowPrivate: this.opts.config.delivery.allowPrivateTargets,
        vetProxy: route.ownProxy,
        ...(tls ? { tls } : {}),
        timeoutMs: CONNECT_TIMEOUT_MS,
      }),
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 60_000,
      connections,
    });
  }
}

/**
 * The route of a webhook: null (its team's agent) unless it has a client certificate or a proxy
 * setting of its own. `ownProxy`: the webhook's opened `egress_proxy` (null: the deployment's;
 * DIRECT_EGRESS: none). `fingerprint`: the receiver auth's.
 */
export function egressRoute(
  deploymentProxy: string | null,
  ownProxy: string | null,
  mtls: EgressRoute['mtls'],
  fingerprint: string | null,
): EgressRoute | null {
  if (ownProxy === null && mtls === null) return null;
  const proxy = ownProxy === DIRECT_EGRESS ? null : (ownProxy ?? deploymentProxy);
  const proxyKey = ownProxy === null ? 'deployment' : ownProxy === DIRECT_EGRESS ? 'direct' : `own:${hashOf(ownProxy)}`;
  return { proxy, ownProxy: ownProxy !== null && ownProxy !== DIRECT_EGRESS, mtls, key: `${proxyKey}|${fingerprint ?? ''}` };
}

/** A short non-reversible tag of a value for a cache key (FNV-1a, 32 bits); not a security boundary. */
function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}
