// An admin (or a rule) decides what a waiting machine does next. Everything is checked before anything
// is stored: the profile exists, the template exists and renders against this host's facts (a missing
// param fails here, with its line, not at 3 a.m. on the machine), the hostname is valid and free, and
// kexec is only offered to a machine whose installer has it (anaconda.md §4), stage only to one whose
// installer has the tools for its firmware (stage.ts).
import type { Caller, CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { hostChanged } from '../events/host-changed.js';
import type { Facts } from '../discovery/facts.js';
import { AppError, errors } from '../errors.js';
import { renderAppend, renderKickstart } from '../kickstart/render/index.js';
import {
  validators,
  type KexecAssignmentBody,
  type KickstartAssignmentBody,
  type ProfileAssignmentBody,
  type RebootAssignmentBody,
  type StageAssignmentBody,
} from '../schemas/validate.js';
import { stageDigests, stageRefusal } from './stage.js';
import type { Assignment, Host } from './host.js';
import { assertAllowed, transition } from './lifecycle.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { keepMasked } from '../secrets/keep-masked.js';

export type AssignmentRequest =
  | KickstartAssignmentBody
  | KexecAssignmentBody
  | StageAssignmentBody
  | RebootAssignmentBody
  | (ProfileAssignmentBody & { action?: undefined });

/** Validate an assignment body: one of the four actions, or a profile with optional params. */
export function readAssignmentRequest(body: unknown): AssignmentRequest {
  if (body !== null && typeof body === 'object' && 'profile' in body && !('action' in body)) return validators.profileAssignment(body);
  const { action } = validators.assignmentAction(body);
  if (action === 'kickstart') return validators.kickstartAssignment(body);
  if (action === 'kexec') return validators.kexecAssignment(body);
  if (action === 'stage') return validators.stageAssignment(body);
  return validators.rebootAssignment(body);
}

/** What checking and rendering an assignment takes. */
export type ResolveDeps = Pick<Deps, 'store' | 'kickstarts' | 'secrets'>;
/** What assigning a host takes: the checks, the hosts lock, the save and the audit line. */
export type AssignDeps = ResolveDeps & AuditDeps & Pick<Deps, 'hostsLock' | 'events'>;

/** The concrete assignment for this host, every reference checked and the kickstart rendered once.
 *  Secret params come out hashed or sealed (secrets/secret-box.ts): that is how they are stored. The
 *  dry run renders them opened, as the poll will. */
export async function resolveAssignment(
  deps: ResolveDeps,
  host: Host,
  facts: Facts,
  request: AssignmentRequest,
  baseUrl: string,
): Promise<Assignment> {
  const resolved = request.action === undefined ? await fromProfile(deps, host, facts, request) : direct(request);
  const assignment =
    resolved.action === 'kickstart'
      ? { ...resolved, params: deps.secrets.protect(keepMasked(resolved.params, keptParams(host))) }
      : resolved;
  switch (assignment.action) {
    case 'kickstart':
      if (!(await deps.kickstarts.exists(assignment.template))) {
        throw errors.templateNotFound(assignment.template);
      }
      renderKickstart(deps, host, facts, assignment, baseUrl);
      break;
    case 'kexec':
      if (!host.summary.kexec) {
        throw new AppError(
          'KEXEC_UNAVAILABLE',
          `host ${host.id} reported no kexec in its installer image; build a product.img with kexec or choose another action`,
          'action',
        );
      }
      break;
    case 'stage': {
      const refused = stageRefusal(host.id, facts);
      if (refused) throw new AppError('STAGE_UNAVAILABLE', refused, 'action');
      break;
    }
    case 'reboot':
      break;
  }
  return assignment;
}

/** The secret params the host's current assignment keeps ("***" in a request stands for them). */
function keptParams(host: Host): Record<string, unknown> {
  return host.assignment?.action === 'kickstart' ? host.assignment.params : {};
}

function direct(request: Exclude<AssignmentRequest, { action?: undefined }>): Assignment {
  switch (request.action) {
    case 'kickstart':
      return { action: 'kickstart', template: request.template, params: request.params ?? {} };
    case 'kexec':
      return { action: 'kexec', kernel: request.kernel, initrd: request.initrd, append: request.append ?? '' };
    case 'stage': {
      const { action: _action, hostname: _hostname, ...target } = request;
      return { action: 'stage', ...stageDigests(target), append: request.append ?? '' };
    }
    case 'reboot':
      return { action: 'reboot' };
  }
}

async function fromProfile(
  deps: Pick<Deps, 'store'>,
  host: Host,
  facts: Facts,
  request: { profile: string; params?: Record<string, unknown> },
): Promise<Assignment> {
  const profile = await deps.store.profiles.get(request.profile);
  if (!profile) throw errors.unknownProfile(request.profile);
  const params = { ...(profile.action === 'kickstart' ? profile.params : {}), ...(request.params ?? {}) };
  switch (profile.action) {
    case 'kickstart':
      return { action: 'kickstart', template: profile.template, params, profile: profile.name };
    case 'kexec':
      return {
        action: 'kexec',
        kernel: profile.kernel,
        initrd: profile.initrd,
        append: renderAppend(profile, host, facts, params),
        profile: profile.name,
      };
    case 'stage': {
      const { name, description: _d, bootable: _b, created_at: _c, updated_at: _u, action: _a, ...target } = profile;
      return { action: 'stage', ...target, append: renderAppend(profile, host, facts, params), profile: name };
    }
    case 'reboot':
      return { action: 'reboot', profile: profile.name };
  }
}

/** The host as it is once assigned: state, hostname, assignment and one timeline event. `ip` is where
 *  the decision came from: the admin's request, or for a rule or a boot entry the discovering machine. */
export function withAssignment(current: Host, assignment: Assignment, hostname: string, actor: string, why?: string, ip?: string): Host {
  const next = transition(current, 'assign', {
    actor,
    ip,
    type: 'assigned',
    message: `${describe(assignment, hostname)}${why ? ` — ${why}` : ''}`,
  });
  return { ...next, hostname, assignment };
}

/** `caller.ip` is where the decision came from (a boot entry's: the discovering machine). */
export async function assignHost(deps: AssignDeps, id: string, body: unknown, caller: CallerWith<'baseUrl'>): Promise<Host> {
  const { actor, ip, baseUrl } = caller;
  const request = readAssignmentRequest(body);
  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(id);
    if (!current) throw errors.hostNotFound(id);
    // Checked first: nothing about an installing or installed machine should be rendered or stored.
    assertAllowed(current, 'assign');
    const hostname = request.hostname ?? current.hostname ?? defaultHostname(current);
    await assertHostnameFree(deps, hostname, id);
    const facts = await deps.store.hosts.getFacts(id);
    if (!facts) throw errors.factsUnreadable();
    const assignment = await resolveAssignment(deps, { ...current, hostname }, facts, request, baseUrl);
    const next = withAssignment(current, assignment, hostname, actor, undefined, ip);
    const durable = deps.store.hosts.save(next);
    hostChanged(deps, current, next, { action: assignment.action, actor, ip }, durable);
    return { host: next, durable };
  });
  await durable;
  await audit(deps, actor, 'host.assign', id, describe(host.assignment!, host.hostname!));
  return host;
}

export async function assertHostnameFree(deps: Pick<Deps, 'store'>, hostname: string, id: string): Promise<void> {
  const holder = await deps.store.hosts.findByHostname(hostname);
  if (holder && holder.id !== id)
    throw new AppError('HOSTNAME_TAKEN', `hostname "${hostname}" is already used by host ${holder.id}`, 'hostname');
}

export async function deleteHost(deps: AuditDeps & Pick<Deps, 'hostsLock'>, id: string, { actor }: Caller): Promise<void> {
  const deleted = await deps.hostsLock.run(() => deps.store.hosts.delete(id));
  if (!deleted) throw errors.hostNotFound(id);
  await audit(deps, actor, 'host.delete', id);
}

/** host-aabbccddeeff: stable, unique per boot NIC, valid everywhere a hostname is. */
export function defaultHostname(host: Pick<Host, 'boot_mac'>): string {
  return `host-${host.boot_mac.replace(/:/g, '')}`;
}

function describe(a: Assignment, hostname: string): string {
  const via = a.profile ? ` (profile ${a.profile})` : '';
  switch (a.action) {
    case 'kickstart':
      return `kickstart ${a.template} as ${hostname}${via}`;
    case 'kexec':
      return `kexec ${a.kernel} as ${hostname}${via}`;
    case 'stage':
      return `stage ${a.kernel} to ${a.stage_disk ? `disk ${a.stage_disk}` : 'the first disk'} as ${hostname}${via}`;
    case 'reboot':
      return `reboot (${hostname})${via}`;
  }
}
