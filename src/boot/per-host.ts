// Per-MAC boot entries for one host: the files PXELinux (pxelinux.cfg/01-<mac>), GRUB
// (grub.cfg-01-<mac>) and iPXE look for before the shared default. They are where a host's boot key
// travels (kickstand.key=): a loader has no credentials, so the key rides in the one file meant for
// that machine, and its %pre sends it back with the registration. Admins only (the key is in them).
import type { Deps } from '../deps.js';
import { errors } from '../errors.js';
import { checkedSource, type BootRequest } from './boot-config.js';
import { grub } from './grub.js';
import { ipxe } from './ipxe.js';
import { pxelinux } from './pxelinux.js';

export interface PerMacEntry {
  /** Where the loader looks for it, relative to its TFTP/HTTP root. */
  file: string;
  text: string;
}

export async function hostBootEntries(
  deps: Pick<Deps, 'config' | 'store' | 'configInstallers'>,
  url: string,
  id: string,
  req: Omit<BootRequest, 'format'>,
): Promise<{ boot_key_set: boolean; pxelinux: PerMacEntry; grub: PerMacEntry; ipxe: PerMacEntry }> {
  const host = await deps.store.hosts.get(id);
  if (!host) throw errors.hostNotFound(id);
  const src = {
    ...(await checkedSource(deps, url, req, 'admin')),
    bootMac: host.boot_mac,
    ...(host.boot_key ? { bootKey: host.boot_key } : {}),
  };
  const hyphens = host.boot_mac.replace(/:/g, '-');
  return {
    boot_key_set: host.boot_key !== undefined,
    pxelinux: { file: `pxelinux.cfg/01-${hyphens}`, text: `DEFAULT kickstand\n${pxelinux(src)}` },
    grub: { file: `grub.cfg-01-${hyphens}`, text: grub(src) },
    ipxe: { file: `${hyphens}.ipxe`, text: ipxe(src) },
  };
}
