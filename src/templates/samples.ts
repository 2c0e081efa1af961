// Sample facts to preview a template against before any machine has been discovered: JSON files in
// `<templates>/samples/`, each a complete facts document as the %pre uploads it. Authors can drop their
// own hardware there (download a host's facts from its page). Invalid files are skipped and named.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Facts } from '../discovery/facts.js';
import { validators } from '../schemas/validate.js';
import { messageOf } from '../errors.js';

export interface Sample {
  name: string;
  facts?: Facts;
  /** Why the file cannot be used, when it cannot. */
  problem?: string;
}

export async function listSamples(templatesDir: string): Promise<Sample[]> {
  const dir = path.join(templatesDir, 'samples');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^[A-Za-z0-9_.-]+\.json$/.test(n)).sort();
  return Promise.all(
    names.map(async (file) => {
      const name = file.replace(/\.json$/, '');
      try {
        return { name, facts: validators.facts(JSON.parse(await readFile(path.join(dir, file), 'utf-8'))) };
      } catch (err) {
        return { name, problem: `samples/${file}: ${messageOf(err)}` };
      }
    }),
  );
}
