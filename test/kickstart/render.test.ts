// The renderer's public surface (src/kickstart/render/index.ts): the poll's cache, the preview, the
// append lines. The HTTP behaviour around them is in test/http/discovery-api.test.ts and friends.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Facts } from '../../src/discovery/facts.js';
import type { Host } from '../../src/hosts/host.js';
import {
  cachedAnswer,
  checkAppend,
  createKickstartEnvironment,
  keepAnswer,
  renderAnswer,
  renderAppend,
  renderKickstart,
  renderPreview,
  RenderCache,
  type KickstartEnvironment,
} from '../../src/kickstart/render/index.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { tempDir } from '../support/temp.js';

const URL = 'http://192.0.2.10:8080';
const facts = { nics: [{ name: 'eth0', mac: '52:54:00:00:00:01' }] } as unknown as Facts;
const assignment = { action: 'kickstart' as const, template: 'a.ks.njk', params: { repo: 'http://r' } };
const host = {
  id: 'h1',
  hostname: 'web1',
  boot_mac: '52:54:00:00:00:01',
  state: 'assigned',
  updated_at: '2026-01-01T00:00:00.000Z',
  assignment,
} as unknown as Host;

let kickstarts: KickstartEnvironment | undefined;
afterEach(() => kickstarts?.close());

async function renderer(
  files: Record<string, string> = { 'a.ks.njk': 'url --url={{ params.repo }} # {{ host.hostname }} {{ host.boot_nic }}\n' },
) {
  const dir = await tempDir('kickstand-render-');
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  kickstarts = createKickstartEnvironment(dir, { watch: false });
  const store = new MemoryStore();
  await store.hosts.save(host, facts);
  const factsRead = vi.spyOn(store.hosts, 'getFacts');
  const deps = { kickstarts, store, renderCache: new RenderCache(), secrets: new SecretBox(randomBytes(32)) };
  return { deps, dir, factsRead: () => factsRead.mock.calls.length };
}

describe('renderer', () => {
  it('When a poll rendered a host its kickstart, then the next poll of the same record gets the same bytes without reading facts', async () => {
    const { deps, factsRead } = await renderer();
    expect(cachedAnswer(deps, host, URL)).toBeUndefined();
    const rendered = await renderAnswer(deps, host, assignment, URL);
    expect('body' in rendered && rendered.body.toString()).toBe('url --url=http://r # web1 eth0\n');
    expect(cachedAnswer(deps, host, URL)).toBe('body' in rendered ? rendered.body : undefined);
    expect(factsRead()).toBe(1);
  });

  it('When the record, the templates or the base URL change, then the kept bytes are not reused; keepAnswer carries them to the delivered record', async () => {
    const { deps } = await renderer();
    const rendered = await renderAnswer(deps, host, assignment, URL);
    const next = { ...host, updated_at: '2026-01-01T00:00:01.000Z' };
    expect(cachedAnswer(deps, next, URL)).toBeUndefined();
    expect(cachedAnswer(deps, host, 'http://other')).toBeUndefined();
    keepAnswer(deps, next, URL, (rendered as { body: Buffer }).body);
    expect(cachedAnswer(deps, next, URL)?.toString()).toBe('url --url=http://r # web1 eth0\n');
    deps.kickstarts.invalidate();
    expect(cachedAnswer(deps, next, URL)).toBeUndefined();
  });

  it('When the template no longer renders, then the poll learns why and nothing is kept', async () => {
    const { deps } = await renderer({ 'a.ks.njk': '{{ params.missing }}' });
    const rendered = await renderAnswer(deps, host, assignment, URL);
    expect('failed' in rendered && rendered.failed).toBe('params.missing is undefined at a.ks.njk:1');
    expect(cachedAnswer(deps, host, URL)).toBeUndefined();
  });

  it('When the facts cannot be read, then the render is refused with STORAGE_UNAVAILABLE', async () => {
    const { deps } = await renderer();
    const broken = { ...deps, store: new MemoryStore() };
    await expect(renderAnswer(broken, host, assignment, URL)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });

  it('When a param is sealed, then the kickstart receives it opened', async () => {
    const { deps } = await renderer({ 'a.ks.njk': '{{ params.api_key }}' });
    const params = deps.secrets.protect({ api_key: 's3cret' });
    expect(params.api_key).not.toBe('s3cret');
    expect(renderKickstart(deps, host, facts, { template: 'a.ks.njk', params }, URL)).toBe('s3cret');
  });

  it('When an unsaved edit is previewed, then it renders in place of the file, and a fault is a result with its line', async () => {
    const { deps } = await renderer();
    expect(renderPreview(deps, 'a.ks.njk', 'draft {{ kickstand.host_url }}', host, facts, {}, URL)).toEqual({
      text: `draft ${URL}/api/v1/discovery/h1`,
    });
    expect(renderPreview(deps, 'a.ks.njk', 'ok\n{% if x %}', host, facts, {}, URL)).toMatchObject({ error: { line: 2 } });
    expect(renderPreview(deps, 'a.ks.njk', 'ok\n{{ params.nope }}', host, facts, {}, URL)).toMatchObject({
      error: { template: 'a.ks.njk', line: 2 },
    });
    expect(renderKickstart(deps, host, facts, assignment, URL)).toBe('url --url=http://r # web1 eth0\n');
  });

  it('When a kexec append line is rendered, then it sees host, facts and params; a control character or a stray name is INVALID_PATTERN', () => {
    const profile = { name: 'p', append: 'inst.ks={{ params.ks }} hostname={{ host.hostname }}' };
    expect(renderAppend(profile, host, facts, { ks: 'http://k' })).toBe('inst.ks=http://k hostname=web1');
    expect(() => renderAppend(profile, host, facts, { ks: 'a\nreboot' })).toThrow(expect.objectContaining({ code: 'INVALID_PATTERN' }));
    expect(() => checkAppend('{{ range.constructor }}')).toThrow(expect.objectContaining({ code: 'INVALID_PATTERN' }));
    expect(() => checkAppend('console=ttyS0 ip={{ params.ip }}')).not.toThrow();
  });
});
