// A profile is a named, reusable assignment: what a host does next, minus the per-host details.
import type { StageTarget } from '../hosts/host.js';
import { maskParams } from '../secrets/secret-params.js';

export type ProfileAction =
  | { action: 'kickstart'; template: string; params: Record<string, unknown> }
  /** `append` is an operator template over host, facts and params (kickstart/render/operator-template.ts). */
  | { action: 'kexec'; kernel: string; initrd: string; append: string }
  /** `append` as for kexec; the files' sha256 and size are checked by the %pre before anything is written. */
  | ({ action: 'stage' } & StageTarget)
  | { action: 'reboot' };

/** `bootable`: a boot entry's kickstand.profile=NAME may pick it (docs/boot.md). False unless an
 *  admin says so: the kernel command line is the machine's to write, so a profile that wipes disks
 *  must not be one any machine can ask for. */
export type ProfileInput = ProfileAction & {
  name: string;
  description?: string;
  bootable: boolean;
  /** The BMC credential set of its hosts that have none of their own (bmc/target.ts). */
  bmc_credentials?: string;
};

export type Profile = ProfileInput & { created_at: string; updated_at: string };

/** Profiles saved before the flag existed have none: they are not bootable. */
export function isBootable(p: Pick<Profile, 'bootable'> | undefined): boolean {
  return p?.bootable === true;
}

/** A profile as answers and pages show it: the flag always present, secret params as "***". */
export function profileView<P extends ProfileInput>(p: P): P {
  const view = { ...p, bootable: isBootable(p) };
  return view.action === 'kickstart' ? { ...view, params: maskParams(view.params) } : view;
}
