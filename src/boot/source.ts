// Where a boot entry sends the machine: Kickstand's URL, an install tree (an installer's, or typed),
// the product.img overlay when one is built — through tree mode when the installer is known
// (stage2 via /tree/{name}/), else with inst.updates= — and optionally a profile to take.
import { stat } from 'node:fs/promises';
import type { Deps } from '../deps.js';
import { initrdUrl, kernelUrl, major, trimSlash, type Installer } from '../installers/installer.js';
import type { BootSource } from './options.js';

export async function overlayBuilt(deps: Pick<Deps, 'config'>): Promise<boolean> {
  return (await stat(deps.config.productImg).catch(() => undefined))?.isFile() ?? false;
}

export async function bootSource(
  deps: Pick<Deps, 'config'>,
  url: string,
  from: { repo?: string; installer?: Installer; profile?: string },
): Promise<BootSource> {
  const overlay = await overlayBuilt(deps);
  const i = from.installer;
  const profile = from.profile ? { profile: from.profile } : {};
  if (i) {
    return {
      url,
      repo: trimSlash(i.repo),
      kernel: kernelUrl(i),
      initrd: initrdUrl(i),
      release: { family: i.family, major: major(i) },
      ...(overlay ? { stage2: `${url}/tree/${i.name}/` } : {}),
      ...profile,
    };
  }
  return { url, ...(from.repo ? { repo: from.repo } : {}), ...(overlay ? { updates: `${url}/updates.img` } : {}), ...profile };
}
