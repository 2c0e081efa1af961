// An admin decides what a waiting machine does next. Everything is checked before anything is
// stored: the template exists and renders against this host's facts (a missing param fails here,
// with its line, not at 3 a.m. on the machine), the hostname is valid and free, and kexec is only
// offered to a machine whose installer has it (anaconda.md §4).
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { kickstartContext } from '../kickstart/context.js';
import { validators } from '../schemas/validate.js';
import { addEvent, type Assignment, type Host } from './host.js';

export async function assignHost(deps: Deps, id: string, body: unknown, actor: string, baseUrl: string): Promise<Host> {
  const { action } = validators.assignmentAction(body);
  const request =
    action === 'kickstart'
      ? validators.kickstartAssignment(body)
      : action === 'kexec'
        ? validators.kexecAssignment(body)
        : validators.rebootAssignment(body);

  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.getHost(id);
    if (!current) throw new AppError('HOST_NOT_FOUND', `no host with id "${id}"`);
    const hostname = request.hostname ?? current.hostname ?? defaultHostname(current);
    const holder = await deps.store.findByHostname(hostname);
    if (holder && holder.id !== id) {
      throw new AppError('HOSTNAME_TAKEN', `hostname "${hostname}" is already used by host ${holder.id}`, 'hostname');
    }

    const next: Host = { ...current, hostname, events: [...current.events] };
    let assignment: Assignment;
    switch (request.action) {
      case 'kickstart': {
        if (!(await deps.kickstarts.exists(request.template))) {
          throw new AppError('TEMPLATE_NOT_FOUND', `template "${request.template}" does not exist in the templates folder`, 'template');
        }
        assignment = { action: 'kickstart', template: request.template, params: request.params ?? {} };
        const facts = await deps.store.getFacts(id);
        if (!facts) throw new AppError('STORAGE_UNAVAILABLE', 'the facts of this host cannot be read');
        deps.kickstarts.render(request.template, kickstartContext(next, facts, assignment.params, baseUrl));
        break;
      }
      case 'kexec':
        if (!current.summary.kexec) {
          throw new AppError('KEXEC_UNAVAILABLE', `host ${id} reported no kexec in its installer image; build a product.img with kexec or choose another action`, 'action');
        }
        assignment = { action: 'kexec', kernel: request.kernel, initrd: request.initrd, append: request.append ?? '' };
        break;
      case 'reboot':
        assignment = { action: 'reboot' };
        break;
    }

    const from = current.state;
    Object.assign(next, { assignment, state: 'assigned', updated_at: new Date().toISOString() });
    addEvent(next, { type: 'assigned', actor, message: describe(assignment, hostname) });
    deps.log.info({ host: id, from, to: next.state, action: assignment.action, actor }, 'host state changed');
    return { host: next, durable: deps.store.saveHost(next) };
  });
  await durable;
  return host;
}

export async function deleteHost(deps: Deps, id: string, actor: string): Promise<void> {
  const deleted = await deps.hostsLock.run(() => deps.store.deleteHost(id));
  if (!deleted) throw new AppError('HOST_NOT_FOUND', `no host with id "${id}"`);
  deps.log.info({ host: id, actor }, 'host deleted');
}

/** host-aabbccddeeff: stable, unique per boot NIC, valid everywhere a hostname is. */
function defaultHostname(host: Host): string {
  return `host-${host.boot_mac.replace(/:/g, '')}`;
}

function describe(a: Assignment, hostname: string): string {
  switch (a.action) {
    case 'kickstart':
      return `kickstart ${a.template} as ${hostname}`;
    case 'kexec':
      return `kexec ${a.kernel} as ${hostname}`;
    case 'reboot':
      return `reboot (${hostname})`;
  }
}
