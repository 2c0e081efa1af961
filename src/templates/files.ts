// The template files themselves, in the templates folder: which ones authors may edit, reading them,
// and replacing one so that a reader (Anaconda fetching its kickstart mid-save) sees either the old
// file or the new one, never half of each.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, messageOf, errnoOf } from '../errors.js';

// Same rule as the loader's (kickstart/render/environment.ts): a relative path of safe characters, no `.` or
// `..` segment, and an extension authors' files have: templates (.njk) and shell libraries (.sh).
const EDITABLE = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,199}\.(?:njk|sh)$/;

/** Throws VALIDATION naming `name` when it is not a path authors may create or edit. */
export function checkTemplateName(name: string): string {
  if (!EDITABLE.test(name) || name.includes('//')) {
    throw new AppError(
      'VALIDATION',
      `"${name}" is not a template name: use a relative path of letters, digits, "_ . - /" ending in .njk or .sh`,
      'name',
    );
  }
  return name;
}

/** Every editable file below the folder, as sorted relative names. */
export async function listTemplateFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((name) => EDITABLE.test(name))
    .sort();
}

/** The file's text, or undefined when there is no such file. */
export async function readTemplateFile(root: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(root, checkTemplateName(name)), 'utf-8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Replace (or create) the file atomically: write a sibling temp file, then rename over it. */
export async function writeTemplateFile(root: string, name: string, content: string): Promise<void> {
  const file = path.join(root, checkTemplateName(name));
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new AppError('STORAGE_UNAVAILABLE', `cannot write template "${name}" in the templates folder: ${messageOf(err)}`);
  }
}
