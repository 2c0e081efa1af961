// The `stage` action (docs/profiles.md#stage): the discovery environment writes an installer's kernel
// and initrd to the machine's disk and reboots into it once. What the service decides about it lives
// here: the answer the %pre reads, and which machines can take it.
import type { Facts } from '../discovery/facts.js';
import { addEvent, type Host, type StageTarget } from './host.js';

/** sha256 digests as sha256sum prints them (lowercase), whatever case the admin typed. */
export function stageDigests<T extends Pick<StageTarget, 'kernel_sha256' | 'initrd_sha256'>>(t: T): T {
  return { ...t, kernel_sha256: t.kernel_sha256.toLowerCase(), initrd_sha256: t.initrd_sha256.toLowerCase() };
}

/**
 * The poll answer: one `key value` per line, like kexec's, read by the %pre with `read -r key value` and
 * never evaluated (kickstarts/discovery/stage.sh). Every value was checked at assignment to hold no
 * newline or control character (URLs have no white space; append is one line), so no value can forge
 * another key. `append` comes last: it is the rest of its line.
 */
export function stageAnswer(t: StageTarget): string {
  return [
    `kernel ${t.kernel}`,
    `kernel_sha256 ${t.kernel_sha256}`,
    `kernel_size ${t.kernel_size}`,
    `initrd ${t.initrd}`,
    `initrd_sha256 ${t.initrd_sha256}`,
    `initrd_size ${t.initrd_size}`,
    ...(t.stage_disk ? [`disk ${t.stage_disk}`] : []),
    `append ${t.append}`,
    '',
  ].join('\n');
}

/** Why this machine cannot take `stage`, or undefined when it can: its %pre found the tools `stage`
 *  needs for its firmware (fact `stage.available`, docs/discovery.md). */
export function stageRefusal(id: string, facts: Pick<Facts, 'stage'>): string | undefined {
  if (facts.stage?.available === true) return undefined;
  const missing = facts.stage?.missing?.length
    ? `: missing ${facts.stage.missing.join(', ')}`
    : ' (no stage facts: registered by an older %pre)';
  return `host ${id} cannot stage: its installer image lacks the tools${missing}; choose kexec or another action`;
}

/**
 * A BIOS machine that staged an installer reboots, and usually tries the network first: its iPXE answer
 * must then boot the local disk, or it would loop back into discovery. Once per delivery: the host with
 * a `local-boot` event recorded, or undefined when this request gets the discovery script (not a staged
 * BIOS host, or its one local boot was already answered: a second network boot means the staged
 * installer did not take over, and discovery then applies the no-install-loop rule).
 */
export function localBootHost(host: Host, ip: string): Host | undefined {
  if (host.state !== 'provisioning' || host.assignment?.action !== 'stage' || host.summary.firmware !== 'bios') return undefined;
  const delivered = host.events.findLastIndex((e) => e.type === 'delivered');
  if (delivered < 0 || host.events.slice(delivered).some((e) => e.type === 'local-boot')) return undefined;
  const next: Host = { ...host, events: [...host.events] };
  addEvent(next, {
    type: 'local-boot',
    actor: 'machine',
    ip,
    message: `iPXE from ${ip} told to boot the local disk (the staged installer)`,
  });
  return next;
}
