// The host lifecycle: which state follows which, and who may move a host. Every state change in
// Kickstand goes through `transition`, so an impossible move (installing a host nobody assigned,
// reinstalling an installed machine without a reprovision) is refused in one place, with the same
// error everywhere, and every change lands on the timeline with time, actor and source IP.
//
//   discovered ──assign──▶ assigned ──deliver──▶ provisioning ──installed──▶ installed
//        ▲  ▲                  │                    │  (installing)              │
//        │  └──────reset───────┴────────────────────┤                            │
//        │                                       failed ──▶ failed              │
//        └──────────────────────── reprovision ─────────────────────────────────┘
//   discovered ──lose──▶ lost ──come-back──▶ discovered;  failed, lost ──reset/assign──▶ …
import { AppError } from '../errors.js';
import { addEvent, type Host, type HostState } from './host.js';

export type Transition =
  | 'assign'
  | 'deliver'
  | 'installing'
  | 'installed'
  | 'failed'
  | 'reset'
  | 'reprovision'
  | 'lose'
  | 'come-back'
  | 'rediscover-after-reboot'
  | 'rediscover-unfinished';

const TABLE: Record<Transition, { from: readonly HostState[]; to: HostState | 'same' }> = {
  // An operator or a rule decides; a failed or lost host may be given another go directly.
  assign: { from: ['discovered', 'assigned', 'failed', 'lost'], to: 'assigned' },
  // The machine's poll received its answer.
  deliver: { from: ['assigned'], to: 'provisioning' },
  // Callbacks from the installer (the shipped templates' %pre-install, %post, %onerror).
  installing: { from: ['provisioning'], to: 'same' },
  installed: { from: ['provisioning'], to: 'installed' },
  failed: { from: ['provisioning'], to: 'failed' },
  // Back to waiting, by a person. Not from installed: that is what reprovision is for.
  reset: { from: ['assigned', 'provisioning', 'failed', 'lost'], to: 'discovered' },
  reprovision: { from: ['installed'], to: 'discovered' },
  // A waiting machine stopped polling; it came back.
  lose: { from: ['discovered'], to: 'lost' },
  'come-back': { from: ['lost'], to: 'discovered' },
  // The machine booted into discovery again after its answer: a reboot answer is done with; a
  // kickstart or kexec that never said "installed" did not finish, and must not start over by itself.
  'rediscover-after-reboot': { from: ['provisioning'], to: 'discovered' },
  'rediscover-unfinished': { from: ['provisioning'], to: 'failed' },
};

export function allowed(state: HostState, t: Transition): boolean {
  return TABLE[t].from.includes(state);
}

export interface TransitionContext {
  actor: string;
  /** Where the change came from: the request's source address, or, for a change Kickstand makes by
   *  itself (a rule, a boot entry, the lost sweep), the machine's last-seen address. A required key so
   *  that no caller can forget it (docs/architecture.md#host-states promises it on every event). */
  ip: string | undefined;
  message: string;
  at?: string;
  /** Timeline event type; the transition's name by default. */
  type?: string;
}

/** Throws INVALID_TRANSITION (409) naming the state when `t` cannot happen to this host now. */
export function assertAllowed(host: Pick<Host, 'id' | 'state'>, t: Transition): void {
  const rule = TABLE[t];
  if (!rule.from.includes(host.state)) {
    throw new AppError(
      'INVALID_TRANSITION',
      `host ${host.id} is ${host.state}: "${t}" needs a host that is ${rule.from.join(' or ')}`,
      'state',
    );
  }
}

/** The host after `t`, with one timeline event; throws INVALID_TRANSITION (409) naming the state. */
export function transition(host: Host, t: Transition, ctx: TransitionContext): Host {
  assertAllowed(host, t);
  const rule = TABLE[t];
  const at = ctx.at ?? new Date().toISOString();
  const next: Host = { ...host, state: rule.to === 'same' ? host.state : rule.to, events: [...host.events], updated_at: at };
  addEvent(next, { at, type: ctx.type ?? t, actor: ctx.actor, ...(ctx.ip ? { ip: ctx.ip } : {}), message: ctx.message });
  return next;
}
