// `kickstand data check`: read a data dir (or a copy of one) the way a start would, and more strictly:
// every facts record is parsed too (a start only finds where they are). Changes nothing and takes no
// lock, so it can check a backup, the .last-good copies, or the live dir beside the service.
import { open, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadJournal } from './host-journal.js';
import { jsonError, parseDocument } from './document-file.js';
import { DATA_FILE, HOSTS_FILE } from './lowdb-store.js';
import { LAST_GOOD } from './last-good.js';
import { messageOf } from '../../errors.js';

export interface CheckLine {
  ok: boolean;
  file: string;
  message: string;
}

export async function checkDataDir(dir: string): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  for (const name of [DATA_FILE, `${DATA_FILE}${LAST_GOOD}`]) {
    const file = path.join(dir, name);
    const text = await readFile(file, 'utf-8').catch(() => undefined);
    if (text === undefined) {
      if (name === DATA_FILE) lines.push({ ok: true, file, message: 'absent (nothing but hosts saved yet)' });
      continue;
    }
    try {
      const doc = parseDocument<Record<string, unknown>>(file, text);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a file on disk may hold any JSON, also null; the type names what this checks for
      if (doc?.format !== 1 && doc?.format !== 2) throw new Error('not a Kickstand data file (no "format" 1 or 2)');
      const count = (key: string) => Object.keys((doc[key] as object | undefined) ?? {}).length;
      lines.push({
        ok: true,
        file,
        message: `${count('profiles')} profiles, ${count('rules')} rules, ${count('users')} users, ${count('audit')} audit entries`,
      });
    } catch (err) {
      lines.push({ ok: false, file, message: messageOf(err).replace(`${file}: `, '') });
    }
  }
  for (const name of [HOSTS_FILE, `${HOSTS_FILE}${LAST_GOOD}`]) {
    const file = path.join(dir, name);
    if (!(await stat(file).catch(() => undefined))) continue;
    const handle = await open(file, 'r');
    try {
      // One handle for the load and the facts: the byte ranges are those of the file that was loaded,
      // even if the running service compacts and renames a new journal over it meanwhile.
      const loaded = await loadJournal(file, handle);
      const bad: string[] = [];
      for (const [id, span] of loaded.facts) {
        const buf = Buffer.alloc(span.length);
        await handle.read(buf, 0, span.length, span.offset);
        const text = buf.toString('utf-8');
        try {
          JSON.parse(text);
        } catch (err) {
          const at = jsonError(text, err);
          bad.push(
            `the facts of host ${id} (the record at byte offset ${span.offset}) are not valid JSON at byte offset ${span.offset + at.offset}: ${at.cause}`,
          );
        }
      }
      const torn = loaded.tornTail ? `; a last record cut short at byte offset ${loaded.size} (dropped at start)` : '';
      if (bad.length) lines.push({ ok: false, file, message: bad.join('; ') });
      else
        lines.push({
          ok: true,
          file,
          message: `${loaded.hosts.size} hosts, ${loaded.facts.size} with facts, ${loaded.records} records${torn}`,
        });
    } catch (err) {
      lines.push({ ok: false, file, message: messageOf(err).replace(`${file}: `, '') });
    } finally {
      await handle.close();
    }
  }
  const templates = path.join(dir, 'templates');
  let histories = 0;
  for (const name of (await readdir(templates).catch(() => [])).filter((n) => n.endsWith('.json'))) {
    const file = path.join(templates, name);
    try {
      const versions = parseDocument<unknown[]>(file, await readFile(file, 'utf-8'));
      if (!Array.isArray(versions)) throw new Error('not a list of versions');
      histories++;
    } catch (err) {
      lines.push({ ok: false, file, message: messageOf(err).replace(`${file}: `, '') });
    }
  }
  if (histories) lines.push({ ok: true, file: templates, message: `${histories} template histories` });
  return lines;
}
