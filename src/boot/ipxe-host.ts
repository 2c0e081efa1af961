// GET /boot/ipxe?mac=${mac}: iPXE names the NIC it booted from. A known host assigned to kexec into
// another installer boots that installer's kernel directly — one boot instead of two, no discovery
// round. A BIOS host that has just staged an installer on its disk (the stage action) boots that disk,
// once. Everyone else (unknown, waiting, assigned a kickstart) gets the discovery script: a host
// assigned a kickstart receives it at its first poll anyway. A host with a boot key gets it on its
// discovery line when the request comes from its own address.
import type { Deps } from '../deps.js';
import { hostChanged } from '../events/host-changed.js';
import { normalizeMac } from '../discovery/identity.js';
import { deliverableByMac, deliveredHost } from '../hosts/deliver.js';
import { localBootHost } from '../hosts/stage.js';
import type { BootSource } from './options.js';
import { ipxe } from './ipxe.js';

const MAC = /^[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}$/;

export async function ipxeFor(
  deps: Pick<Deps, 'config' | 'store' | 'log' | 'events' | 'hostsLock'>,
  src: BootSource,
  rawMac: string | undefined,
  ip: string,
): Promise<string> {
  if (!rawMac || !MAC.test(rawMac)) return ipxe(src);
  const mac = normalizeMac(rawMac.replace(/-/g, ':'));
  const direct = await deps.hostsLock.run(async () => {
    const host = await deps.store.hosts.findByBootMac(mac);
    const a = host?.assignment;
    if (!host || !deliverableByMac(host, ip)) return undefined;
    const local = localBootHost(host, ip);
    if (local) return { script: LOCAL_BOOT, durable: deps.store.hosts.save(local) };
    if (host.state !== 'assigned' || a?.action !== 'kexec') return undefined;
    const next = deliveredHost(host, 'kexec', ip, deps.config.tokenTtlHours, ' by iPXE, which booted the kernel directly');
    const durable = deps.store.hosts.save(next);
    hostChanged(deps, host, next, { action: 'kexec', ip, via: 'ipxe' }, durable);
    return { script: directBoot(a.kernel, a.initrd, a.append), durable };
  });
  if (!direct) return ipxe(await withBootKey(deps, src, mac, ip));
  await direct.durable;
  return direct.script;
}

/** A host with a boot key gets it on its discovery line, under the same rule as the kexec answer: only
 *  when the request comes from the host's own address. Anyone else (a MAC is no secret) gets the plain
 *  script, and a registration from it without the key is only a claim (docs/boot.md#boot-keys). */
async function withBootKey(deps: Pick<Deps, 'store'>, src: BootSource, mac: string, ip: string): Promise<BootSource> {
  const host = await deps.store.hosts.findByBootMac(mac);
  return host?.boot_key && deliverableByMac(host, ip) ? { ...src, bootKey: host.boot_key } : src;
}

/** The first BIOS disk (0x80), as the BIOS would boot it; iPXE's exit hands over to the next boot
 *  device where SAN boot is unavailable. */
const LOCAL_BOOT = [
  '#!ipxe',
  'echo Kickstand: booting the installer staged on the local disk',
  'sanboot --no-describe --drive 0x80 || exit',
  '',
].join('\n');

function directBoot(kernel: string, initrd: string, append: string): string {
  return ['#!ipxe', `kernel ${kernel} initrd=initrd.img ${append}`.trimEnd(), `initrd --name initrd.img ${initrd}`, 'boot', ''].join('\n');
}
