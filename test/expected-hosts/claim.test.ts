// The claim of an expected-host record by a registering machine, against the real service: one match
// applied, ambiguities flagged with nothing applied, hostnames never taken from another host,
// re-registrations that change nothing, hostile records kept inside the caps, matching by switch port,
// and the record's profile assigned as it says (docs/inventory.md#expected-hosts-matching-claim-provisioning-ambiguity).
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpectedHost } from '../../src/expected-hosts/expected-host.js';
import type { Host } from '../../src/hosts/host.js';
import { MAX_TAGS_PER_HOST } from '../../src/tags/tag.js';
import { randomMac, sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

let srv: TestServer;
let n = 0;
const admin = () => ({ Authorization: `Bearer ${srv.adminToken}` });
const store = () => srv.running.deps.store;
const now = '2026-12-07T06:00:00.000Z';

beforeAll(async () => {
  srv = await startTestServer({ templatesDir: path.resolve('test/fixtures/kickstarts') });
  await request(srv.url)
    .post('/api/v1/profiles')
    .set(admin())
    .send({ name: 'plain', action: 'kickstart', template: 'plain.ks.njk' })
    .expect(201);
  await request(srv.url).post('/api/v1/profiles').set(admin()).send({ name: 'by-rule', action: 'reboot' }).expect(201);
  // Renders only with params.repo: assigned without it, it is refused.
  await request(srv.url)
    .post('/api/v1/profiles')
    .set(admin())
    .send({ name: 'needs-param', action: 'kickstart', template: 'needs-param.ks.njk' })
    .expect(201);
});
afterAll(async () => {
  await srv.stop();
});

/** A record with a unique serial to match on (unless `match` says otherwise). */
async function record(extra: Partial<ExpectedHost> = {}): Promise<ExpectedHost> {
  n += 1;
  const r: ExpectedHost = {
    id: `eh-test-${n}`,
    match: { serial: `SN-${n}` },
    provision: false,
    created_at: now,
    updated_at: now,
    ...extra,
  };
  await store().expectedHosts.save(r);
  return r;
}

/** A machine with this serial registers; its host as stored afterwards. */
async function register(facts: Record<string, unknown>): Promise<Host> {
  const res = await request(srv.url).post('/api/v1/discovery').send(facts);
  expect([200, 201]).toContain(res.status);
  return (await store().hosts.get(res.body.id as string))!;
}
const withSerial = (serial: string, extra: Record<string, unknown> = {}) =>
  sampleFacts({ dmi: { vendor: 'Dell Inc.', product: 'PowerEdge R650', serial, uuid: crypto.randomUUID() }, ...extra });
const eventsOf = (h: Host, type: string) => h.events.filter((e) => e.type === type);

describe('a registering machine takes the one record it matches', () => {
  it('When exactly one record matches, then hostname, tags and BMC are applied, the record is taken, and the timeline names both', async () => {
    const r = await record({
      hostname: 'web-01.example.net',
      tags: ['rack-a', 'web'],
      bmc: { driver: 'redfish', address: '10.9.0.11', port: 8443, credentials: 'rack-a' },
    });
    const facts = withSerial(r.match.serial!);
    const host = await register(facts);
    expect(host.hostname).toBe('web-01.example.net');
    expect(host.tags).toEqual(['rack-a', 'web']);
    expect(host.bmc).toMatchObject({ driver: 'redfish', address: '10.9.0.11', port: 8443, credentials: 'rack-a', verify_tls: true });
    expect(host.bmc!.address_source).toBe('manual');
    expect(host.expected).toMatchObject({ id: r.id, matched_by: ['serial'] });
    expect(host.expected_ambiguous).toBeUndefined();
    expect(host.state).toBe('discovered');
    const stored = await store().expectedHosts.get(r.id);
    expect(stored).toMatchObject({ claimed_by: host.id });
    expect(stored!.claimed_at).toBe(host.expected!.at);
    const [event] = eventsOf(host, 'expected-claimed');
    expect(event!.message).toContain(r.id);
    expect(event!.message).toContain('matched by serial');
  });

  it('When the same machine registers again, then nothing is re-applied and no event is repeated', async () => {
    const r = await record({ hostname: 'again-01', tags: ['x'] });
    const facts = withSerial(r.match.serial!);
    const first = await register(facts);
    // An operator changes what the record gave; the next boot must not undo it.
    await store().hosts.save({ ...first, hostname: 'renamed-by-hand', tags: ['mine'] });
    const second = await register(facts);
    expect(second.id).toBe(first.id);
    expect(second.hostname).toBe('renamed-by-hand');
    expect(second.tags).toEqual(['mine']);
    expect(eventsOf(second, 'expected-claimed')).toHaveLength(1);
    expect(second.expected).toEqual(first.expected);
  });

  it('When a record gives a serial and a MAC, then a machine with the serial alone does not take it (every key must match)', async () => {
    const r = await record({ match: { serial: `SN-and-${n}`, mac: randomMac() }, hostname: 'and-01' });
    const host = await register(withSerial(r.match.serial!));
    expect(host.expected).toBeUndefined();
    expect(host.hostname).toBeUndefined();
    expect((await store().expectedHosts.get(r.id))!.claimed_by).toBeUndefined();
  });

  it('When a host already has a BMC set by hand, then the record’s BMC does not replace it', async () => {
    const r = await record({ bmc: { driver: 'ipmi', address: '10.9.0.12' } });
    const facts = withSerial(`SN-manual-${n}`);
    const first = await register(facts);
    await store().hosts.save({
      ...first,
      bmc: { driver: 'ipmi', address: '10.9.9.9', verify_tls: true, address_source: 'manual', updated_at: now },
    });
    await store().expectedHosts.save({ ...r, match: { serial: `SN-manual-${n}` } });
    const host = await register(facts);
    expect(host.expected?.id).toBe(r.id);
    expect(host.bmc!.address).toBe('10.9.9.9');
    expect(eventsOf(host, 'expected-claimed')[0]!.message).toMatch(/not its BMC \(one was set by hand\)/);
  });
});

describe('never a guess', () => {
  it('When two records match one machine, then the host is flagged with both ids, nothing is applied and neither is taken', async () => {
    const serial = `SN-two-${n}`;
    const a = await record({ match: { serial }, hostname: 'two-a', tags: ['a'] });
    const b = await record({ match: { boot_mac: '02:00:00:00:77:01' }, hostname: 'two-b', tags: ['b'] });
    const host = await register(withSerial(serial, { boot_mac: '02:00:00:00:77:01' }));
    expect(host.expected_ambiguous).toMatchObject({ ids: [a.id, b.id] });
    expect(host.expected_ambiguous!.reason).toMatch(/2 expected-host records match/);
    expect(host.expected).toBeUndefined();
    expect(host.hostname).toBeUndefined();
    expect(host.tags).toBeUndefined();
    expect((await store().expectedHosts.get(a.id))!.claimed_by).toBeUndefined();
    expect((await store().expectedHosts.get(b.id))!.claimed_by).toBeUndefined();
    expect(eventsOf(host, 'expected-ambiguous')).toHaveLength(1);
    expect(srv.logs.some((l) => l.msg === 'expected host ambiguous: nothing applied' && l.host === host.id)).toBe(true);
    // The same ambiguity at the next boot is said once.
    const again = await register(withSerial(serial, { boot_mac: '02:00:00:00:77:01' }));
    expect(eventsOf(again, 'expected-ambiguous')).toHaveLength(1);
  });

  it('When the one matching record was taken by another host, then this one is flagged and the record stays with the first', async () => {
    const r = await record({ hostname: 'taken-01', tags: ['t'] });
    const first = await register(withSerial(r.match.serial!));
    expect(first.expected?.id).toBe(r.id);
    // Another machine with the same serial (a forged or duplicated one).
    const second = await register(withSerial(r.match.serial!));
    expect(second.id).not.toBe(first.id);
    expect(second.expected).toBeUndefined();
    expect(second.hostname).toBeUndefined();
    expect(second.expected_ambiguous).toMatchObject({ ids: [r.id] });
    expect(second.expected_ambiguous!.reason).toContain(`host ${first.id} already took it`);
    expect((await store().expectedHosts.get(r.id))!.claimed_by).toBe(first.id);
  });

  it('When two machines matching one record register at the same moment, then exactly one takes it and the other is flagged', async () => {
    const r = await record({ hostname: `race-${n}` });
    const [a, b] = await Promise.all([register(withSerial(r.match.serial!)), register(withSerial(r.match.serial!))]);
    const hosts = [(await store().hosts.get(a.id))!, (await store().hosts.get(b.id))!];
    const winners = hosts.filter((h) => h.expected?.id === r.id);
    expect(winners).toHaveLength(1);
    expect(hosts.filter((h) => h.expected_ambiguous?.ids.includes(r.id))).toHaveLength(1);
    expect((await store().expectedHosts.get(r.id))!.claimed_by).toBe(winners[0]!.id);
    expect(hosts.filter((h) => h.hostname === r.hostname)).toHaveLength(1);
  });

  it('When the host that took a record is deleted, then the record is free for the next machine', async () => {
    const r = await record({ hostname: 'freed-01' });
    const first = await register(withSerial(r.match.serial!));
    await request(srv.url).delete(`/api/v1/hosts/${first.id}`).set(admin()).expect(204);
    const next = await register(withSerial(r.match.serial!));
    expect(next.expected?.id).toBe(r.id);
    expect(next.hostname).toBe('freed-01');
  });

  it('When the record’s hostname is another host’s, then nothing is applied, the host waits with why, and the record is not taken', async () => {
    const holder = await register(sampleFacts());
    await store().hosts.save({ ...holder, hostname: 'busy-01' });
    const r = await record({ hostname: 'busy-01', tags: ['never'] });
    const host = await register(withSerial(r.match.serial!));
    expect(host.hostname).toBeUndefined();
    expect(host.tags).toBeUndefined();
    expect(host.expected).toBeUndefined();
    const [waiting] = eventsOf(host, 'expected-waiting');
    expect(waiting!.message).toContain(`already used by host ${holder.id}`);
    expect((await store().expectedHosts.get(r.id))!.claimed_by).toBeUndefined();
    const again = await register(withSerial(r.match.serial!));
    expect(eventsOf(again, 'expected-waiting')).toHaveLength(1);
  });
});

describe('hostile records and hosts', () => {
  it('When a record carries hundreds of tags, invalid ones and prototype keys, then only valid tags land, up to the cap', async () => {
    const many = Array.from({ length: 300 }, (_, i) => `t${i}`);
    const hostile = ['__proto__', 'constructor', 'A B', '<script>', '', 'x'.repeat(65), 42, { a: 1 }] as unknown as string[];
    const r = await record({ tags: [...hostile, ...many] });
    const host = await register(withSerial(r.match.serial!));
    // "constructor" is a well-formed tag, and only a string in a list: inert.
    expect(host.tags).toEqual(['constructor', ...many.slice(0, MAX_TAGS_PER_HOST - 1)]);
    expect(Object.getPrototypeOf(host)).toBe(Object.prototype);
  });

  it('When the host already has tags near the cap, then the record adds only up to the cap', async () => {
    const serial = `SN-cap-${n}`;
    const facts = withSerial(serial);
    const first = await register(facts);
    const own = Array.from({ length: MAX_TAGS_PER_HOST - 2 }, (_, i) => `own${i}`);
    await store().hosts.save({ ...first, tags: own });
    await record({ match: { serial }, tags: ['r1', 'r2', 'r3', 'r4'] });
    const host = await register(facts);
    expect(host.tags).toEqual([...own, 'r1', 'r2']);
  });

  it('When a record’s hostname is not a hostname, then it is not taken', async () => {
    const r = await record({ hostname: 'bad name;rm -rf /' });
    const host = await register(withSerial(r.match.serial!));
    expect(host.hostname).toBeUndefined();
    expect(host.expected).toBeUndefined();
    expect(eventsOf(host, 'expected-waiting')[0]!.message).toMatch(/not a valid hostname/);
  });
});

describe('matching by switch port (LLDP)', () => {
  const neighbour = (sw: string, port: string) => ({ chassis_id: '00:1c:73:aa:bb:cc', switch: sw, port, source: 'lldptool' });
  function cabled(sw: string, port: string) {
    const f = sampleFacts();
    const [boot, ...rest] = f.nics;
    return { ...f, nics: [{ ...boot!, lldp: neighbour(sw, port) }, ...rest] };
  }

  it('When a NIC reports the neighbour leaf-12 Ethernet12, then the record for that switch port is taken (names compared case-folded)', async () => {
    const r = await record({ match: { switch: 'leaf-12', port: 'Ethernet12' }, hostname: 'rack12-u12' });
    const host = await register(cabled('LEAF-12', 'Ethernet12'));
    expect(host.expected).toMatchObject({ id: r.id, matched_by: ['switch', 'port'] });
    expect(host.hostname).toBe('rack12-u12');
    await store().expectedHosts.delete(r.id);
  });

  it('When the machine is on another port of that switch, then the record is not taken', async () => {
    const r = await record({ match: { switch: 'leaf-13', port: 'Ethernet12' } });
    const host = await register(cabled('leaf-13', 'Ethernet13'));
    expect(host.expected).toBeUndefined();
    expect((await store().expectedHosts.get(r.id))!.claimed_by).toBeUndefined();
  });

  it('When a record combines the switch port with a serial, then a machine forging the neighbour without the serial does not take it', async () => {
    const serial = `SN-lldp-${n}`;
    const r = await record({ match: { switch: 'leaf-14', port: 'Ethernet1', serial } });
    const forger = await register(cabled('leaf-14', 'Ethernet1'));
    expect(forger.expected).toBeUndefined();
    const real = await register({ ...cabled('leaf-14', 'Ethernet1'), dmi: { serial } });
    expect(real.expected).toMatchObject({ id: r.id, matched_by: ['serial', 'switch', 'port'] });
  });
});

describe('the record’s profile', () => {
  it('When the record says provision, then the host is assigned its profile, params and hostname at once with auto-provisioning off', async () => {
    expect((await store().settings.get()).auto_provision).toBe(false);
    const r = await record({ hostname: 'now-01', profile: 'plain', provision: true });
    const host = await register(withSerial(r.match.serial!));
    const after = (await store().hosts.get(host.id))!;
    expect(after.state).toBe('assigned');
    expect(after.hostname).toBe('now-01');
    expect(after.assignment).toMatchObject({ action: 'kickstart', template: 'plain.ks.njk', profile: 'plain' });
    expect(eventsOf(after, 'assigned')[0]!.actor).toBe('expected-host');
  });

  it('When the record has a profile but not provision and auto-provisioning is off, then the host waits', async () => {
    const r = await record({ profile: 'plain' });
    const host = await register(withSerial(r.match.serial!));
    expect((await store().hosts.get(host.id))!.state).toBe('discovered');
  });

  it('When auto-provisioning is on, then the record’s profile wins over the boot entry and the rules', async () => {
    await request(srv.url)
      .post('/api/v1/rules')
      .set(admin())
      .send({ name: 'everything', expression: 'memory_mib > 1', profile: 'by-rule' })
      .expect(201);
    await request(srv.url).patch('/api/v1/settings').set(admin()).send({ auto_provision: true }).expect(200);
    try {
      const r = await record({ hostname: 'auto-01', profile: 'plain' });
      const facts = withSerial(r.match.serial!);
      (facts as { kernel?: object }).kernel = { release: '6.8', cmdline: 'inst.ks=x kickstand.profile=by-rule' };
      const host = await register(facts);
      expect((await store().hosts.get(host.id))!.assignment).toMatchObject({ profile: 'plain' });
      // Without a record, the rule still decides.
      const other = await register(sampleFacts());
      expect((await store().hosts.get(other.id))!.assignment).toMatchObject({ profile: 'by-rule' });
    } finally {
      await request(srv.url).patch('/api/v1/settings').set(admin()).send({ auto_provision: false }).expect(200);
      await request(srv.url).delete('/api/v1/rules/everything').set(admin()).expect(204);
    }
  });

  it('When the record’s profile cannot be assigned, then the host waits with why on its timeline, and no rule is tried', async () => {
    const r = await record({ profile: 'needs-param', provision: true });
    const host = await register(withSerial(r.match.serial!));
    const after = (await store().hosts.get(host.id))!;
    expect(after.state).toBe('discovered');
    const [failed] = eventsOf(after, 'expected-provision-failed');
    expect(failed!.message).toContain(`profile needs-param of expected-host record ${r.id} not assigned`);
    expect(failed!.message).toContain('the host waits');
  });
});
