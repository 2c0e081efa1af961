// Compound actions: what a person means by "send this machine back to discovery" and "reinstall it".
//   rediscover: reset the host to waiting → one-time PXE boot → power cycle (power on if it is off)
//   reinstall:  reprovision the installed host → one-time PXE boot → power cycle (or on)
// The PXE boot lands in Kickstand's discovery entry, the stub kickstart registers the machine again
// and it waits for an assignment. Each step goes on the timeline with its outcome; the first failed
// step stops the rest and the answer says which one (a machine is never cycled into an old install
// because its boot device could not be set).
import { audit } from '../audit/audit.js';
import type { CallerWith } from '../caller.js';
import { appErrorOf } from './jobs/errors.js';
import type { JobContext, Submitted } from './jobs/queue.js';
import { onBmc } from './operation.js';
import { submit, type ActionDeps } from './actions.js';
import { recordOnHost } from './record.js';
import { reprovisionHost, resetHost, type ResetDeps } from '../hosts/reset.js';
import type { Deps } from '../deps.js';

export type CompoundDeps = ActionDeps & ResetDeps & Pick<Deps, 'events'>;

export const COMPOUND_ACTIONS = ['rediscover', 'reinstall'] as const;
export type CompoundAction = (typeof COMPOUND_ACTIONS)[number];

interface Step {
  name: string;
  run: () => Promise<string>;
}

export function rediscoverHost(deps: CompoundDeps, id: string, caller: CallerWith<'ip'>): Promise<Submitted> {
  return submit(deps, id, 'rediscover', caller, (ctx) =>
    runSteps(deps, ctx, id, 'rediscover', caller, [
      {
        name: 'reset',
        run: async () => {
          const host = await deps.store.hosts.get(id);
          // A stuck machine that never left discovery only needs the reboot.
          if (host?.state === 'discovered') return 'already waiting for an assignment';
          return `${(await resetHost(deps, id, caller)).state}: waits for an assignment`;
        },
      },
      ...bootAndCycle(deps, ctx, id),
    ]),
  );
}

export function reinstallHost(deps: CompoundDeps, id: string, caller: CallerWith<'ip'>): Promise<Submitted> {
  return submit(deps, id, 'reinstall', caller, (ctx) =>
    runSteps(deps, ctx, id, 'reinstall', caller, [
      { name: 'reprovision', run: async () => `${(await reprovisionHost(deps, id, caller)).state}: waits for an assignment` },
      ...bootAndCycle(deps, ctx, id),
    ]),
  );
}

export function compoundAction(deps: CompoundDeps, id: string, action: CompoundAction, caller: CallerWith<'ip'>): Promise<Submitted> {
  return action === 'rediscover' ? rediscoverHost(deps, id, caller) : reinstallHost(deps, id, caller);
}

function bootAndCycle(deps: CompoundDeps, ctx: JobContext, id: string): Step[] {
  return [
    {
      name: 'one-time PXE boot',
      run: async () => {
        await onBmc(deps, ctx, id, (driver, target, signal) => driver.setBootDevice(target, { device: 'pxe', persistent: false }, signal));
        return 'next boot from the network';
      },
    },
    {
      name: 'power cycle',
      run: async () => {
        // A cycle of a machine that is off fails on many BMCs ("not supported in this state").
        const state = await onBmc(deps, ctx, id, (driver, target, signal) => driver.powerState(target, signal));
        const action = state === 'off' ? 'on' : 'cycle';
        await onBmc(deps, ctx, id, (driver, target, signal) => driver.power(target, action, signal));
        return state === 'off' ? 'was off: powered on' : 'power cycled';
      },
    },
  ];
}

async function runSteps(
  deps: CompoundDeps,
  ctx: JobContext,
  id: string,
  action: 'rediscover' | 'reinstall',
  caller: CallerWith<'ip'>,
  steps: Step[],
): Promise<{ steps: number }> {
  const plan = steps.map((s) => s.name).join(' → ');
  await recordOnHost(deps, id, { event: { type: action, message: `${action} started: ${plan}` } }, caller);
  for (const [i, step] of steps.entries()) {
    const label = `step ${i + 1}/${steps.length} ${step.name}`;
    try {
      const message = await ctx.step(step.name, step.run, (m) => m);
      await recordOnHost(deps, id, { event: { type: action, message: `${label}: ${message}` } }, caller);
    } catch (err) {
      const error = appErrorOf(err);
      await recordOnHost(deps, id, { event: { type: action, message: `${action} stopped at ${label}: ${error.message}` } }, caller);
      await audit(deps, caller.actor, `host.${action}`, id, `stopped at ${step.name} (${error.code})`);
      throw err;
    }
  }
  await recordOnHost(deps, id, { event: { type: action, message: `${action} done` }, power: { state: 'on' } }, caller);
  await audit(deps, caller.actor, `host.${action}`, id, 'done');
  return { steps: steps.length };
}
