// Two PostgreSQL stores on one database, as two instances hold them: what one commits, the other reads
// after its lock (the barrier), the same machine registering through both at once is one host, and
// what PostgreSQL cannot hold (U+0000) does not turn a machine away. The three-process tests are in
// test/scale-out/.
import { afterEach, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { registerMachine, type RegisterDeps } from '../../src/discovery/register.js';
import { Events } from '../../src/events/events.js';
import { Sightings } from '../../src/discovery/sightings.js';
import { answerPoll } from '../../src/discovery/answer-poll.js';
import { createLogger } from '../../src/log.js';
import { testDatabase } from '../support/postgres.js';
import { sampleFacts } from '../support/facts.js';
import { expectedHost } from './contract/expected-hosts.contract.js';
import { tagDefinition } from './contract/tag-definitions.contract.js';

const open: PgStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0).reverse()) await s.close();
});

async function instances(n: number): Promise<{ url: string; stores: PgStore[]; deps: RegisterDeps[] }> {
  const url = await testDatabase();
  const stores: PgStore[] = [];
  for (let i = 0; i < n; i++) {
    const store = await PgStore.open(url);
    open.push(store);
    stores.push(store);
  }
  const log = createLogger('silent');
  return {
    url,
    stores,
    deps: stores.map((store) => ({
      store,
      hostsLock: store.lock('hosts'),
      sightings: new Sightings(),
      log,
      events: new Events(),
      config: { bmcNetworks: [] },
    })),
  };
}

describe('PostgreSQL store, two instances', () => {
  it('When one machine registers through both instances at once, 40 times, then there is one host everywhere', async () => {
    const { url, stores, deps } = await instances(2);
    const facts = sampleFacts();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => registerMachine(deps[i % 2]!, facts, '192.0.2.7')));
    expect(new Set(results.map((r) => r.host.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM hosts');
    await db.end();
    expect(Number(rows[0]!.n)).toBe(1);
    for (const store of stores) {
      await store.catchUp();
      expect(await store.hosts.list()).toHaveLength(1);
    }
  });

  it('When a machine registers through one instance and polls the other at once, then the other knows its token', async () => {
    const { stores, deps } = await instances(2);
    const b = stores[1]!;
    const registered = await Promise.all(Array.from({ length: 10 }, () => registerMachine(deps[0]!, sampleFacts(), '192.0.2.11')));
    // At once: B's copy has not heard of them yet; the poll catches up instead of refusing the token.
    const answers = await Promise.all(
      registered.map(async (r) =>
        answerPoll(
          {
            ...deps[1]!,
            config: { pollInterval: 5 } as never,
            kickstarts: undefined as never,
            renderCache: undefined as never,
            secrets: undefined as never,
          },
          r.host.id,
          r.token,
          '192.0.2.11',
          'http://kickstand',
        ),
      ),
    );
    expect(answers.map((a) => a.action)).toEqual(Array(10).fill('wait'));
    expect(await b.hosts.list()).toHaveLength(10);
  });

  it('When a machine claims an installed host through another instance, then it only holds a claim, and its poll is a conflict on either instance', async () => {
    const { stores, deps } = await instances(2);
    const facts = sampleFacts();
    const first = await registerMachine(deps[0]!, facts, '192.0.2.20');
    await stores[0]!.hosts.save({ ...first.host, state: 'installed' });
    // The newcomer (same boot MAC and UUID) reaches the other instance.
    const claim = await registerMachine(deps[1]!, facts, '192.0.2.66');
    expect(claim.conflict).toBe(true);
    expect(claim.host.id).toBe(first.host.id);
    expect(claim.host.state).toBe('installed');
    const pollDeps = (i: number) => ({
      ...deps[i]!,
      config: { pollInterval: 5, conflictReleaseAfterMinutes: 0 } as never,
      kickstarts: undefined as never,
      renderCache: undefined as never,
      secrets: undefined as never,
    });
    for (const i of [0, 1]) {
      const refused = await Promise.resolve()
        .then(() => answerPoll(pollDeps(i), first.host.id, claim.token, '192.0.2.66', 'http://kickstand'))
        .catch((err: unknown) => err);
      expect((refused as { code?: string }).code).toBe('IDENTITY_CONFLICT');
    }
    // The original token still owns the host everywhere.
    await stores[0]!.catchUp();
    expect((await stores[0]!.hosts.get(first.host.id))?.conflict?.boot_mac).toBe(facts.boot_mac);
  });

  it('When a profile, a user and the settings change on one instance, then the other reads them after catching up', async () => {
    const { stores } = await instances(2);
    const [a, b] = stores as [PgStore, PgStore];
    const now = new Date().toISOString();
    await a.profiles.save({ name: 'web', action: 'reboot', created_at: now, updated_at: now } as never);
    await a.users.save({
      name: 'ops',
      role: 'viewer',
      password_hash: 'x',
      tokens: [{ hash: 'h1' }],
      created_at: now,
      updated_at: now,
    } as never);
    await a.settings.save({ auto_provision: true });
    await b.catchUp();
    expect((await b.profiles.get('web'))?.name).toBe('web');
    expect((await b.users.findByTokenHash('h1'))?.name).toBe('ops');
    expect((await b.settings.get()).auto_provision).toBe(true);
    await a.users.delete('ops');
    await b.catchUp();
    expect(await b.users.findByTokenHash('h1')).toBeUndefined();
  });

  it('When expected hosts and tag definitions change on one instance, then the other reads them after catching up (its notices)', async () => {
    const { stores } = await instances(2);
    const [a, b] = stores as [PgStore, PgStore];
    await a.expectedHosts.saveMany(Array.from({ length: 1_500 }, (_, i) => expectedHost(i + 1)));
    await a.tagDefinitions.save(tagDefinition('gpu'));
    await b.catchUp();
    expect(await b.expectedHosts.list()).toHaveLength(1_500);
    expect(await b.expectedHosts.get('eh-01500')).toEqual(expectedHost(1_500));
    expect(await b.tagDefinitions.get('gpu')).toEqual(tagDefinition('gpu'));
    // One record changed: its own notice; a delete too.
    await a.expectedHosts.save(expectedHost(7, 'renamed'));
    await a.expectedHosts.delete('eh-00008');
    await a.tagDefinitions.delete('gpu');
    await b.catchUp();
    expect((await b.expectedHosts.get('eh-00007'))?.hostname).toBe('renamed');
    expect(await b.expectedHosts.get('eh-00008')).toBeUndefined();
    expect(await b.expectedHosts.list()).toHaveLength(1_499);
    expect(await b.tagDefinitions.list()).toEqual([]);
    // And back the other way, both writing at once: each instance ends with both changes.
    await Promise.all([b.expectedHosts.saveMany([expectedHost(8)]), a.expectedHosts.save(expectedHost(9, 'from-a'))]);
    await Promise.all([a.catchUp(), b.catchUp()]);
    for (const store of [a, b]) {
      expect((await store.expectedHosts.get('eh-00008'))?.hostname).toBe('node-8');
      expect((await store.expectedHosts.get('eh-00009'))?.hostname).toBe('from-a');
    }
  });

  it('When 3,000 expected hosts are saved at once, then both instances together talk to the database a few times, not once per record', async () => {
    const { stores } = await instances(2);
    const [a, b] = stores as [PgStore, PgStore];
    const queries = vi.spyOn(pg.Client.prototype, 'query');
    try {
      await a.expectedHosts.saveMany(Array.from({ length: 3_000 }, (_, i) => expectedHost(i + 1)));
      await b.catchUp();
      expect(await b.expectedHosts.list()).toHaveLength(3_000);
      // BEGIN, 3 INSERTs of 1,000, the notice, COMMIT; B's reload of the table and its barrier.
      expect(queries.mock.calls.length).toBeLessThan(20);
    } finally {
      queries.mockRestore();
    }
  });

  it('When the table refuses a saveMany for a while, then the records stay visible (a reload too), the promise says 503, and the retry stores them all', async () => {
    const { url, stores } = await instances(2);
    const [a, b] = stores as [PgStore, PgStore];
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE expected_hosts RENAME TO expected_hosts_away');
      const records = Array.from({ length: 1_500 }, (_, i) => expectedHost(i + 1));
      await expect(a.expectedHosts.saveMany(records)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      expect(await a.expectedHosts.list()).toHaveLength(1_500);
      await admin.query('ALTER TABLE expected_hosts_away RENAME TO expected_hosts');
      // A reload (the notification connection back, another instance's '*') before the retry has run:
      // what this instance has not written yet stays, and is not turned into deletes.
      await a.expectedHosts.load();
      expect(await a.expectedHosts.list()).toHaveLength(1_500);
      let seen = 0;
      for (let i = 0; i < 100 && seen < 1_500; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await b.catchUp();
        seen = (await b.expectedHosts.list()).length;
      }
      expect(seen).toBe(1_500);
      const { rows } = await admin.query<{ n: string }>('SELECT count(*) AS n FROM expected_hosts');
      expect(Number(rows[0]!.n)).toBe(1_500);
    } finally {
      await admin.end();
    }
  });

  it('When the database refuses a saveMany for good (a constraint), then nothing of it is stored and the instance reads the table back', async () => {
    const { url, stores } = await instances(2);
    const [a, b] = stores as [PgStore, PgStore];
    await a.expectedHosts.save(expectedHost(1, 'before'));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query("ALTER TABLE expected_hosts ADD CONSTRAINT not_two CHECK (name <> 'eh-00002')");
      await expect(a.expectedHosts.saveMany([expectedHost(1, 'after'), expectedHost(2), expectedHost(3)])).rejects.toMatchObject({
        code: 'STORAGE_UNAVAILABLE',
      });
      // One transaction: the first record is not half-changed, the third not stored.
      const { rows } = await admin.query<{ name: string; hostname: string }>(
        "SELECT name, record->>'hostname' AS hostname FROM expected_hosts",
      );
      expect(rows).toEqual([{ name: 'eh-00001', hostname: 'before' }]);
      for (let i = 0; i < 50 && (await a.expectedHosts.list()).length !== 1; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await a.expectedHosts.list()).map((e) => `${e.id} ${e.hostname}`)).toEqual(['eh-00001 before']);
      // And the table takes the next write.
      await admin.query('ALTER TABLE expected_hosts DROP CONSTRAINT not_two');
      await a.expectedHosts.save(expectedHost(2));
      await b.catchUp();
      expect((await b.expectedHosts.list()).map((e) => e.id)).toEqual(['eh-00001', 'eh-00002']);
    } finally {
      await admin.end();
    }
  });

  it('When a waiting host polls one instance, then the other sees its last-seen within the batch (once a second)', async () => {
    const { stores, deps } = await instances(2);
    const [a, b] = stores as [PgStore, PgStore];
    const { host } = await registerMachine(deps[0]!, sampleFacts(), '192.0.2.8');
    const later = new Date(Date.now() + 60_000).toISOString();
    a.hosts.touch(host.id, later, '192.0.2.9');
    for (let i = 0; i < 40 && (await b.hosts.get(host.id))?.last_seen_at !== later; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await b.hosts.get(host.id))?.last_seen_at).toBe(later);
    expect((await b.hosts.get(host.id))?.last_seen_ip).toBe('192.0.2.9');
  });

  it('When facts hold U+0000 (PostgreSQL cannot), then the machine is registered and the character reads back as U+FFFD', async () => {
    const { stores, deps } = await instances(1);
    const facts = sampleFacts({ dmi: { vendor: 'Evil\u0000Corp', product: 'x', serial: 'S\u0000', uuid: crypto.randomUUID() } });
    const { host } = await registerMachine(deps[0]!, facts, '192.0.2.10');
    const stored = await stores[0]!.hosts.getFacts(host.id);
    expect(stored?.dmi?.vendor).toBe('Evil\uFFFDCorp');
  });
});
