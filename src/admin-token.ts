// The admin API token: KICKSTAND_ADMIN_TOKEN when set; otherwise generated at first start, kept in
// the data dir (mode 0600) and printed once, so a fresh install is never open and never needs a
// token typed in before its first start.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errnoOf } from './errors.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

export async function resolveAdminToken(configured: string | undefined, dataDir: string): Promise<{ token: string; generated: boolean }> {
  if (configured) return { token: configured, generated: false };
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  try {
    const token = (await readFile(file, 'utf-8')).trim();
    if (token) return { token, generated: false };
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw err;
  }
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, generated: true };
}
