// What the counters add up: the events the use cases emit (events/events.ts), heard here and nowhere
// else, so no use case knows metrics exist. Listeners run in the emitter's call: each is a counter
// increment. Polls are not among them: they are tallied where they are answered (poll.ts).
import type { Events, KickstandEvent } from '../events/events.js';
import type { HostRepository } from '../store/store.js';
import { LabelCap } from './label-cap.js';
import type { Metrics } from './metrics.js';

/** Template names are the authors' to choose: a label per name, up to this many. */
const TEMPLATE_LABELS = 20;

/** Count every event on `events` into `metrics`; returns the way to stop. `hosts` gives a delivered
 *  host's assignment (its action: kickstart, kexec, stage or reboot). */
export function countEvents(events: Events, metrics: Metrics, hosts: Pick<HostRepository, 'get'>): () => void {
  const templates = new LabelCap(TEMPLATE_LABELS);
  return events.on((event: KickstandEvent) => {
    switch (event.kind) {
      case 'registration':
        metrics.registrations.inc({ outcome: event.outcome });
        break;
      case 'callback':
        // The schema lets three stages through (schemas/install-events.ts): bounded already.
        metrics.callbacks.inc({ stage: event.stage });
        break;
      case 'render-error':
        metrics.renderErrors.inc({ template: templates.of(event.template) });
        break;
      case 'host':
        if (event.event === 'failed') metrics.installFailures.inc();
        else if (event.event === 'lost') metrics.hostsLost.inc();
        else if (event.event === 'conflict') metrics.conflicts.inc();
        else if (event.event === 'delivered') countDelivery(metrics, hosts, event.host.id);
        break;
    }
  });
}

/** The event says which host, not which action: the host's assignment does (still in place while it
 *  provisions; "unknown" if it was reset in the meantime). */
function countDelivery(metrics: Metrics, hosts: Pick<HostRepository, 'get'>, id: string): void {
  hosts.get(id).then(
    (host) => metrics.deliveries.inc({ action: host?.assignment?.action ?? 'unknown' }),
    () => metrics.deliveries.inc({ action: 'unknown' }),
  );
}
