// The tag use cases over the in-memory store: free tags (set, add, remove; checked, once, sorted,
// capped; timeline and audit), tag definitions (compiled over the facts only, refused with line and
// column), and the background re-evaluation of every host when definitions change.
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import type { Facts } from '../../src/discovery/facts.js';
import { summarize } from '../../src/discovery/summary.js';
import { withInventory } from '../../src/discovery/inventory.js';
import type { Host } from '../../src/hosts/host.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Mutex } from '../../src/util/mutex.js';
import { AppError } from '../../src/errors.js';
import { applyTagChange, changeHostTags, readTagChange } from '../../src/tags/host-tags.js';
import { autoTagsOf, reevaluateInBackground, reevaluationSettled } from '../../src/tags/auto-tags.js';
import { deleteDefinition, listDefinitions, MAX_TAG_DEFINITIONS, saveDefinition } from '../../src/tags/definitions.js';
import { MAX_TAGS_PER_HOST } from '../../src/tags/tag.js';
import { sampleFacts } from '../support/facts.js';

const CALLER = { actor: 'alice', ip: '192.0.2.1' };
const GPU = { slot: '0000:3b:00.0', class: '3D controller', class_id: '0302', vendor: 'NVIDIA Corporation', vendor_id: '10de' };
const NIC = { slot: '0000:18:00.0', class: 'Ethernet controller', class_id: '0200', vendor: 'Intel Corporation', vendor_id: '8086' };

function tagDeps() {
  const lines: unknown[] = [];
  const keep = (...args: unknown[]) => void lines.push(args);
  return {
    store: new MemoryStore(),
    hostsLock: new Mutex(),
    log: { info: keep, warn: keep, error: keep, debug: keep } as unknown as Deps['log'],
    lines,
  };
}
type TagDeps = ReturnType<typeof tagDeps>;

function factsWith(pci: object[]): Facts {
  return withInventory(sampleFacts({ pci }) as unknown as Facts);
}

async function addHost(deps: TagDeps, id: string, facts: Facts, extra: Partial<Host> = {}): Promise<Host> {
  const now = new Date().toISOString();
  const host: Host = {
    id,
    state: 'discovered',
    boot_mac: facts.boot_mac,
    macs: [facts.boot_mac],
    token_hash: 'x',
    summary: summarize(facts),
    created_at: now,
    updated_at: now,
    last_seen_at: now,
    events: [],
    ...extra,
  };
  await deps.store.hosts.save(host, facts);
  return host;
}

const errorOf = async (p: Promise<unknown>): Promise<AppError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
};

describe('free tags', () => {
  it('When tags are set, added and removed, then each is kept once, sorted, and the timeline and audit say what changed', async () => {
    const deps = tagDeps();
    await addHost(deps, 'h1', factsWith([]));
    let host = await changeHostTags(deps, 'h1', { set: ['rack-12', 'db', 'rack-12'] }, CALLER);
    expect(host.tags).toEqual(['db', 'rack-12']);
    host = await changeHostTags(deps, 'h1', { add: ['spare', 'db'], remove: ['rack-12', 'absent'] }, CALLER);
    expect(host.tags).toEqual(['db', 'spare']);
    expect((await deps.store.hosts.get('h1'))?.tags).toEqual(['db', 'spare']);
    expect(host.events.map((e) => `${e.type}: ${e.message}`)).toEqual([
      'tags-changed: tags +db +rack-12',
      'tags-changed: tags +spare −rack-12',
    ]);
    const trail = await deps.store.audit.list();
    expect(trail.map((e) => `${e.action} ${e.target} ${e.detail}`)).toEqual(['host.tags h1 +spare −rack-12', 'host.tags h1 +db +rack-12']);
  });

  it('When a change changes nothing, then no event and no audit entry are written', async () => {
    const deps = tagDeps();
    await addHost(deps, 'h1', factsWith([]), { tags: ['db'] });
    await changeHostTags(deps, 'h1', { add: ['db'], remove: ['other'] }, CALLER);
    expect((await deps.store.hosts.get('h1'))?.events).toEqual([]);
    expect(await deps.store.audit.list()).toEqual([]);
  });

  it('When every tag is removed, then the host has no tags field left', async () => {
    const deps = tagDeps();
    await addHost(deps, 'h1', factsWith([]), { tags: ['db'] });
    const host = await changeHostTags(deps, 'h1', { set: [] }, CALLER);
    expect(host).not.toHaveProperty('tags');
  });

  it('When adding would pass the cap, then VALIDATION naming add, and the stored tags are unchanged', async () => {
    const deps = tagDeps();
    const full = Array.from({ length: MAX_TAGS_PER_HOST }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await addHost(deps, 'h1', factsWith([]), { tags: full });
    const err = await errorOf(changeHostTags(deps, 'h1', { add: ['one-more'] }, CALLER));
    expect(err).toMatchObject({ code: 'VALIDATION', field: 'add' });
    expect(err.message).toContain(String(MAX_TAGS_PER_HOST));
    expect((await deps.store.hosts.get('h1'))?.tags).toEqual(full);
    expect(await deps.store.audit.list()).toEqual([]);
  });

  it.each([
    [{ tags: ['ok', 'Bad'] }, 'set', 'tags[1]'],
    [{ tags: ['-lead'] }, 'set', 'tags[0]'],
    [{ tags: ['a b'] }, 'set', 'tags[0]'],
    [{ tags: ['x'.repeat(65)] }, 'set', 'tags[0]'],
    [{ add: ['<script>'] }, 'change', 'add[0]'],
    [{ remove: ['a/b'] }, 'change', 'remove[0]'],
    [JSON.parse('{"__proto__": {"tags": ["x"]}, "tags": []}'), 'set', '__proto__'],
    [JSON.parse('{"__proto__": ["x"]}'), 'change', '__proto__'],
    [{ tags: Array.from({ length: MAX_TAGS_PER_HOST + 1 }, (_, i) => `t${i}`) }, 'set', 'tags'],
  ] as const)('When the body is %j, then VALIDATION naming %s', (body, mode, field) => {
    let caught: unknown;
    try {
      readTagChange(body, mode);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'VALIDATION', field });
  });

  it('When a change is applied to a list, then the result is what add and remove say, sorted', () => {
    expect(applyTagChange(['b', 'a'], { add: ['c', 'a'], remove: ['b'] })).toEqual(['a', 'c']);
  });
});

describe('tag definitions', () => {
  it('When an expression is wrong, then INVALID_EXPRESSION naming expression with its line and column, and nothing is stored', async () => {
    const deps = tagDeps();
    const err = await errorOf(saveDefinition(deps, { name: 'gpu', expression: 'count(gpus) >\n  ' }, 'alice'));
    expect(err).toMatchObject({ code: 'INVALID_EXPRESSION', field: 'expression' });
    expect(err.detail).toMatchObject({ line: 2, column: expect.any(Number) });
    expect(err.toJSON().error.position).toMatchObject({ line: 2 });
    expect(await deps.store.tagDefinitions.list()).toEqual([]);
    expect(await deps.store.audit.list()).toEqual([]);
  });

  it.each([
    ['"gpu" in tags', /tags cannot depend on tags/],
    ['constructor == "x"', /"constructor" is not a fact/],
    ['__proto__.polluted == 1', /"__proto__" is not a fact/],
    ['dmi.constructor.name == "Object"', /"constructor" is not a fact/],
    ['count(pci, prototype == "x") > 0', /prototype/],
    ['cpu.core > 2', /cpu\.core/],
  ])('When the expression is %s, then it is refused', async (expression, message) => {
    const deps = tagDeps();
    const err = await errorOf(saveDefinition(deps, { name: 'x', expression }, 'alice'));
    expect(err.code).toBe('INVALID_EXPRESSION');
    expect(err.message).toMatch(message);
    expect(await deps.store.tagDefinitions.list()).toEqual([]);
  });

  it('When MAX_TAG_DEFINITIONS exist, then a new one is LIMIT_REACHED naming name, and replacing an existing one still works', async () => {
    const deps = tagDeps();
    const now = new Date().toISOString();
    for (let i = 0; i < MAX_TAG_DEFINITIONS; i++)
      await deps.store.tagDefinitions.save({ name: `t${i}`, expression: 'true', created_at: now, updated_at: now });
    expect(await errorOf(saveDefinition(deps, { name: 'one-more', expression: 'true' }, 'alice'))).toMatchObject({
      code: 'LIMIT_REACHED',
      field: 'name',
    });
    expect(await deps.store.tagDefinitions.get('one-more')).toBeUndefined();
    const replaced = await saveDefinition(deps, { name: 't0', expression: 'false' }, 'alice');
    await replaced.done;
    expect((await deps.store.tagDefinitions.get('t0'))?.expression).toBe('false');
  });

  it.each([
    [{ name: 'GPU', expression: 'true' }, 'name'],
    [{ name: 'gpu', expression: '' }, 'expression'],
    [{ name: 'gpu' }, 'expression'],
    [JSON.parse('{"name":"gpu","expression":"true","__proto__":{"x":1}}'), '__proto__'],
  ])('When the body is %j, then VALIDATION naming %s', async (body, field) => {
    const deps = tagDeps();
    expect(await errorOf(saveDefinition(deps, body, 'alice'))).toMatchObject({ code: 'VALIDATION', field });
  });

  it('When gpu is defined both ways, then a machine with a 3D controller gets it and one without does not', () => {
    const now = new Date().toISOString();
    const defs = [
      { name: 'gpu', expression: 'count(gpus) > 0', created_at: now, updated_at: now },
      { name: 'gpu-by-class', expression: 'count(pci, class ~ "3D|VGA") > 0', created_at: now, updated_at: now },
      { name: 'intel-nic', expression: 'any(pci, vendor_id == "8086" and class_id == "0200")', created_at: now, updated_at: now },
    ];
    expect(autoTagsOf(defs, factsWith([GPU, NIC]))).toEqual(['gpu', 'gpu-by-class', 'intel-nic']);
    expect(autoTagsOf(defs, factsWith([NIC]))).toEqual(['intel-nic']);
    expect(autoTagsOf(defs, withInventory(sampleFacts() as unknown as Facts))).toEqual([]);
  });

  it('When a definition is created, changed and deleted, then every host is re-evaluated and only the changed ones are saved', async () => {
    const deps = tagDeps();
    await addHost(deps, 'gpu1', factsWith([GPU, NIC]));
    await addHost(deps, 'plain', factsWith([NIC]));
    const untouched = (await deps.store.hosts.get('plain'))!;

    const created = await saveDefinition(deps, { name: 'gpu', expression: 'count(gpus) > 0', description: 'has a GPU' }, 'alice');
    expect(created).toMatchObject({ created: true, reevaluating: 2 });
    expect(await created.done).toEqual({ hosts: 2, changed: 1 });
    expect((await deps.store.hosts.get('gpu1'))?.auto_tags).toEqual(['gpu']);
    expect((await deps.store.hosts.get('gpu1'))?.events.at(-1)).toMatchObject({
      type: 'auto-tags-changed',
      message: 'automatic tags +gpu',
    });
    // The host whose tags did not change is the very object stored before: not saved again.
    expect(await deps.store.hosts.get('plain')).toBe(untouched);
    expect(await listDefinitions(deps)).toEqual([expect.objectContaining({ name: 'gpu', hosts: 1, description: 'has a GPU' })]);

    const changed = await saveDefinition(deps, { name: 'gpu', expression: 'count(pci) > 0' }, 'alice');
    expect(changed.created).toBe(false);
    expect(await changed.done).toEqual({ hosts: 2, changed: 1 });
    expect((await deps.store.hosts.get('plain'))?.auto_tags).toEqual(['gpu']);

    const deleted = await deleteDefinition(deps, 'gpu', 'alice');
    expect(await deleted.done).toEqual({ hosts: 2, changed: 2 });
    expect((await deps.store.hosts.get('gpu1'))?.auto_tags).toBeUndefined();
    expect((await deps.store.audit.list()).map((e) => e.action)).toEqual(['tag.delete', 'tag.replace', 'tag.create']);
    expect(await errorOf(deleteDefinition(deps, 'gpu', 'alice'))).toMatchObject({ code: 'TAG_NOT_FOUND' });
  });

  it('When changes arrive while a re-evaluation waits, then they share the next run and every host ends with the last definitions', async () => {
    const deps = tagDeps();
    for (let i = 0; i < 250; i++) await addHost(deps, `h${i}`, factsWith(i % 2 ? [GPU] : [NIC]));
    const first = await saveDefinition(deps, { name: 'gpu', expression: 'count(gpus) > 0' }, 'alice');
    const second = await saveDefinition(deps, { name: 'nic', expression: 'count(pci, class_id == "0200") > 0' }, 'alice');
    const third = await reevaluateInBackground(deps);
    expect(third.done).toBe(second.done);
    await reevaluationSettled(deps);
    expect(await first.done).toMatchObject({ hosts: 250 });
    const hosts = await deps.store.hosts.list();
    expect(hosts.filter((h) => h.auto_tags?.includes('gpu'))).toHaveLength(125);
    expect(hosts.filter((h) => h.auto_tags?.includes('nic'))).toHaveLength(125);
  });

  it('When the store fails during a re-evaluation, then the failure is logged and done still resolves', async () => {
    const deps = tagDeps();
    await addHost(deps, 'h1', factsWith([GPU]));
    await saveDefinition(deps, { name: 'gpu', expression: 'count(gpus) > 0' }, 'alice').then((c) => c.done);
    const hosts = deps.store.hosts;
    const failing = {
      list: () => hosts.list(),
      get: (id: string) => hosts.get(id),
      getFacts: () => Promise.reject(new Error('disk gone')),
    };
    const broken = { ...deps, store: { hosts: failing, tagDefinitions: deps.store.tagDefinitions } as unknown as MemoryStore };
    const { done } = await reevaluateInBackground(broken);
    expect(await done).toEqual({ hosts: 1, changed: 0 });
    expect(JSON.stringify(deps.lines)).toContain('re-evaluation failed');
  });
});
