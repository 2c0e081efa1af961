// The installers Kickstand knows: those of the config file (fixed while running) and those added
// through the API (stored). A name is one or the other, never both.
import type { Deps } from '../deps.js';
import { AppError, errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { validators } from '../schemas/validate.js';
import type { Installer } from './installer.js';

/** Installers come from two places: the KICKSTAND_INSTALLERS file (read-only) and the store. */
export type InstallerDeps = Pick<Deps, 'store' | 'configInstallers'>;

export async function listInstallers(deps: InstallerDeps): Promise<Installer[]> {
  const stored = await deps.store.installers.list();
  return [...deps.configInstallers, ...stored.filter((s) => !deps.configInstallers.some((c) => c.name === s.name))].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
}

export async function getInstaller(deps: InstallerDeps, name: string): Promise<Installer | undefined> {
  return (await listInstallers(deps)).find((i) => i.name === name);
}

export async function mustGetInstaller(deps: InstallerDeps, name: string, field = 'installer'): Promise<Installer> {
  const found = await getInstaller(deps, name);
  if (!found) throw errors.installerNotFound(name, field);
  return found;
}

export async function saveInstaller(
  deps: InstallerDeps & AuditDeps & Pick<Deps, 'config' | 'hostsLock'>,
  body: unknown,
  mode: 'create' | 'replace',
  actor: string,
): Promise<Installer> {
  const input = validators.installer(body);
  if (deps.configInstallers.some((c) => c.name === input.name)) {
    throw new AppError(
      'NAME_TAKEN',
      `installer "${input.name}" is defined in KICKSTAND_INSTALLERS (${deps.config.installersFile}); change it there`,
      'name',
    );
  }
  const installer: Installer = { ...input, source: 'api' };
  const { durable } = await deps.hostsLock.run(async () => {
    const existing = (await deps.store.installers.list()).find((i) => i.name === input.name);
    if (mode === 'create' && existing) throw errors.nameTaken('installer', input.name);
    if (mode === 'replace' && !existing) throw errors.installerNotFound(input.name);
    return { durable: deps.store.installers.save(installer) };
  });
  await durable;
  await audit(deps, actor, mode === 'create' ? 'installer.create' : 'installer.replace', installer.name, installer.repo);
  return installer;
}

export async function deleteInstaller(
  deps: InstallerDeps & AuditDeps & Pick<Deps, 'config' | 'hostsLock'>,
  name: string,
  actor: string,
): Promise<void> {
  if (deps.configInstallers.some((c) => c.name === name)) {
    // 409 like a change (saveInstaller): the request is fine, the name belongs to the file.
    throw new AppError(
      'NAME_TAKEN',
      `installer "${name}" is defined in KICKSTAND_INSTALLERS (${deps.config.installersFile}); remove it there`,
      'name',
    );
  }
  if (!(await deps.store.installers.delete(name))) throw errors.installerNotFound(name);
  await audit(deps, actor, 'installer.delete', name);
}
