// Installers defined by the operator in a JSON file (KICKSTAND_INSTALLERS): an array of installer
// objects. Read once at start; a bad file stops the service naming the file and the field, because a
// boot entry pointing at the wrong tree is worse than no service.
import { readFile } from 'node:fs/promises';
import { validators } from '../schemas/validate.js';
import type { Installer } from './installer.js';
import { messageOf } from '../errors.js';

export class InstallersFileError extends Error {
  constructor(file: string, problem: string) {
    super(`cannot load installers from ${file}: ${problem}`);
    this.name = 'InstallersFileError';
  }
}

export async function loadInstallersFile(file: string | undefined): Promise<Installer[]> {
  if (!file) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf-8'));
  } catch (err) {
    throw new InstallersFileError(file, messageOf(err));
  }
  let list: ReturnType<typeof validators.installerList>;
  try {
    list = validators.installerList(raw);
  } catch (err) {
    throw new InstallersFileError(file, messageOf(err));
  }
  const seen = new Set<string>();
  for (const [i, item] of list.entries()) {
    if (seen.has(item.name)) throw new InstallersFileError(file, `[${i}].name "${item.name}" is defined twice`);
    seen.add(item.name);
  }
  return list.map((i) => ({ ...i, source: 'config' as const }));
}
