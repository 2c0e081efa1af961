// `kickstand serve` on a damaged data file, as an operator meets it: the process stops with one clear
// message (the file, the line and byte offset, the last good copy, the docs), leaves the file as it
// is (never starts on an empty store over it), and the documented recovery gets it going again.
import { copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { ServiceStartFailed, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { tempDir } from '../support/temp.js';

/** Run `kickstand serve` on `dataDir`; if it starts, register `register` machines and stop it. */
async function serve(dataDir: string, register = 0): Promise<{ code: number | null; stderr: string }> {
  let svc: ServiceProcess;
  try {
    svc = await startServiceProcess({ dataDir });
  } catch (err) {
    if (err instanceof ServiceStartFailed) return err;
    throw err;
  }
  for (let i = 0; i < register; i++) {
    const res = await fetch(`${svc.url}/api/v1/discovery`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(sampleFacts()),
    });
    expect(res.status).toBe(201);
  }
  const { code } = await svc.kill('SIGTERM');
  return { code, stderr: svc.stderr() };
}

describe('kickstand serve on a damaged data file', () => {
  it('When kickstand.json or hosts.jsonl is damaged, then the start stops naming the file, line and byte offset, the .last-good copy and the docs, the file is untouched, and putting the copy back starts it again', async () => {
    const dir = await tempDir('kickstand-corrupt-start-');
    expect((await serve(dir, 3)).code).toBe(0);
    expect((await serve(dir)).code).toBe(0); // this start copies the 3 hosts to hosts.jsonl.last-good
    expect((await readdir(dir)).filter((n) => n.endsWith('.last-good')).sort()).toEqual([
      'hosts.jsonl.last-good',
      'kickstand.json.last-good',
    ]);

    const document = path.join(dir, 'kickstand.json');
    const good = await readFile(document, 'utf-8');
    const damaged = good.replace('"profiles": {}', '"profiles": {}}');
    await writeFile(document, damaged);
    const offset = damaged.indexOf('{}}') + 3; // the extra } closes the document: the , after it is refused
    const line = damaged.slice(0, offset).split('\n').length;
    const failed = await serve(dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      new RegExp(`^kickstand: cannot load ${document}: line ${line}, column \\d+ \\(byte offset ${offset}\\) is not valid JSON: `),
    );
    expect(failed.stderr).toContain(`${document}.last-good is the copy that loaded at the last successful start`);
    expect(failed.stderr).toContain('docs/operations.md, "A damaged data file"');
    expect(await readFile(document, 'utf-8')).toBe(damaged);
    expect(await readdir(dir)).not.toContain('kickstand.pid');
    await copyFile(`${document}.last-good`, document);

    const journal = path.join(dir, 'hosts.jsonl');
    const records = (await readFile(journal, 'utf-8')).split('\n');
    await writeFile(journal, [records[0], records[1]!.slice(0, 40), ...records.slice(2)].join('\n'));
    const offset2 = Buffer.byteLength(records[0]!) + 1;
    const failed2 = await serve(dir);
    expect(failed2.code).toBe(1);
    expect(failed2.stderr).toMatch(
      new RegExp(`^kickstand: cannot load ${journal}: line 2 \\(byte offset ${offset2}\\) is not a host record`),
    );
    expect(failed2.stderr).toContain(`${journal}.last-good is the copy`);
    await copyFile(`${journal}.last-good`, journal);
    expect((await serve(dir, 1)).code).toBe(0);
  });
});
