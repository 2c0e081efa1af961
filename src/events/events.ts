// What happened, for whoever listens: webhooks (notifications/) and metrics (metrics/). Use cases
// emit; nothing they do waits on a listener, and a listener that throws is logged, never the
// caller's problem — a machine's registration must not fail because a webhook receiver is down.
import type { Logger } from '../log.js';
import type { HostState } from '../hosts/host.js';

/** The host events webhooks can subscribe to (docs/notifications.md#events). */
export const HOST_EVENTS = ['discovered', 'assigned', 'delivered', 'installed', 'failed', 'lost', 'conflict'] as const;
export type HostEventName = (typeof HOST_EVENTS)[number];

/** A host event, emitted once the change it reports is durable. */
export interface HostChange {
  kind: 'host';
  event: HostEventName;
  at: string;
  from: HostState | null;
  host: { id: string; hostname?: string; state: HostState; boot_mac: string; ip?: string; profile?: string; rule?: string };
  /** What the host's own event log says about it (an install failure's message, the rule that assigned…). */
  message?: string;
}

/** Counted, never sent anywhere: what the metrics endpoint adds up. */
export type Signal =
  | { kind: 'registration'; outcome: 'created' | 'refreshed' | 'conflict' }
  | { kind: 'callback'; stage: string }
  | { kind: 'render-error'; template: string };

export type KickstandEvent = HostChange | Signal;
export type Listener = (event: KickstandEvent) => void;

export class Events {
  private listeners: Listener[] = [];

  constructor(private readonly log?: Pick<Logger, 'error'>) {}

  /** Listen to everything emitted from now on; returns the way to stop. */
  on(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(event: KickstandEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log?.error({ err, event: event.kind }, 'event listener failed');
      }
    }
  }
}
