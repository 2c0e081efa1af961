// Issue 13, item 8, in the store: each kind of audit entry has its own cap, so a flood of any one kind
// — chatty changes, token mints, previews, logins, failed logins — only pushes out entries of that kind;
// an audit trail written before kinds existed loads; queries filter and page by seq.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIT_CAPS, auditKind, type AuditEntry } from '../../src/audit/audit.js';
import { DATA_FILE, LowdbStore } from '../../src/store/file/lowdb-store.js';
import { tempDir } from '../support/temp.js';

const stores: LowdbStore[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
});
async function openStore(dir: string): Promise<LowdbStore> {
  const s = await LowdbStore.open(dir);
  stores.push(s);
  return s;
}

const entry = (action: string, target: string, actor = 'alice'): AuditEntry => ({ at: new Date().toISOString(), actor, action, target });
/** One security entry of each kind, and what identifies it in a listing. */
const SECURITY = [
  entry('login', 'alice'),
  entry('login.failure', 'alice', 'anonymous'),
  entry('user.create', 'bob'),
  entry('user.role', 'bob'),
  entry('token.create', 'bob'),
  entry('template.save', 'rhel.ks.njk'),
  entry('template.preview', 'rhel.ks.njk'),
  entry('host.assign', 'h00000000001'),
  entry('host.conflict-release', 'h00000000002'),
  entry('settings.change', 'settings'),
];
const line = (e: AuditEntry) => `${e.action} ${e.target}`;
const FLOOD = 6000;

describe('audit kinds', () => {
  it('When 6,000 entries of any one kind flood the trail, then no entry of another kind is pushed out, and that kind keeps its cap', async () => {
    const store = await openStore(await tempDir('kickstand-audit-'));
    for (const e of SECURITY) await store.audit.append(e);
    // Chatty changes, then each flood a caller can cause: a viewer minting tokens, an author previewing,
    // anyone logging in or failing to.
    const flooded = new Set<string>();
    for (const action of ['host.reset', 'profile.create', 'token.create', 'template.preview', 'login', 'login.failure']) {
      flooded.add(auditKind(action));
      await Promise.all(Array.from({ length: FLOOD }, (_, i) => store.audit.append(entry(action, `flood-${i}`, 'mallory'))));
      const kept = (await store.audit.list()).map(line);
      for (const e of SECURITY) if (!flooded.has(auditKind(e.action))) expect(kept, `${action} flood`).toContain(line(e));
      const ofKind = (await store.audit.list()).filter((e) => auditKind(e.action) === auditKind(action));
      const cap = AUDIT_CAPS[auditKind(action)];
      expect(ofKind.length).toBeGreaterThanOrEqual(cap);
      expect(ofKind.length).toBeLessThanOrEqual(cap + Math.max(10, cap / 100));
      expect(ofKind[0]!.target).toBe(`flood-${FLOOD - 1}`); // the newest stay, the oldest went
    }
  }, 60_000);

  it('When a trail written before kinds and seqs is loaded, then it lists newest first, pages by seq and keeps each kind to its cap', async () => {
    const dir = await tempDir('kickstand-audit-');
    // The old format: one list, the 5,000 newest of everything, no seq.
    const old = [entry('user.delete', 'carol', 'admin'), ...Array.from({ length: 4999 }, (_, i) => entry('host.reset', `h${i}`, 'ops'))];
    await writeFile(
      path.join(dir, DATA_FILE),
      JSON.stringify({ format: 2, profiles: {}, rules: {}, settings: { auto_provision: false }, users: {}, audit: old, installers: {} }),
    );
    const store = await openStore(dir);
    const all = await store.audit.list();
    expect(all.length).toBe(1 + AUDIT_CAPS.other);
    expect(all[0]!.target).toBe('h4998');
    expect(all.at(-1)!.action).toBe('user.delete');
    expect(all.every((e, i) => i === 0 || e.seq! < all[i - 1]!.seq!)).toBe(true);

    await store.audit.append(entry('login', 'dave', 'dave'));
    const page1 = await store.audit.list({ limit: 2, actor: 'ops' });
    expect(page1.map((e) => e.target)).toEqual(['h4998', 'h4997']);
    const page2 = await store.audit.list({ limit: 2, actor: 'ops', before: page1[1]!.seq! });
    expect(page2.map((e) => e.target)).toEqual(['h4996', 'h4995']);
    expect((await store.audit.list({ limit: 10, action: 'user.*' })).map(line)).toEqual(['user.delete carol']);
    expect((await store.audit.list({ limit: 10, target: 'dave' })).map(line)).toEqual(['login dave']);
    await store.close();

    // Written back with seqs: the next open gives the same order and numbers.
    const again = await openStore(dir);
    expect((await again.audit.list({ limit: 3 })).map((e) => e.seq)).toEqual([old.length + 1, all[0]!.seq, all[1]!.seq]);
  });
});
