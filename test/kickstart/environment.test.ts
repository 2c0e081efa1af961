// The kickstart nunjucks environment: confinement to the folder, strictness, reload, error lines.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKickstartEnvironment, type KickstartEnvironment } from '../../src/kickstart/render/environment.js';
import { tempDir } from '../support/temp.js';

let env: KickstartEnvironment | undefined;
afterEach(() => env?.close());

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('kickstand-env-');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

describe('kickstart environment', () => {
  it('When a template includes a snippet, then both render with autoescape off', async () => {
    env = createKickstartEnvironment(await folder({ 'a.ks.njk': 'x {% include "snippets/s.njk" %}', 'snippets/s.njk': '<{{ v }}>&' }), {
      watch: false,
    });
    expect(env.render('a.ks.njk', { v: '"q"' })).toBe('x <"q">&');
  });

  it('When a variable is undefined, then rendering fails naming template, line and variable', async () => {
    env = createKickstartEnvironment(await folder({ 'a.ks.njk': 'line one\nurl --url={{ params.repo }}\n' }), { watch: false });
    expect(() => env!.render('a.ks.njk', { params: {} })).toThrow(/^params\.repo is undefined at a\.ks\.njk:2$/);
  });

  it('When the error is inside a snippet, then the snippet is named', async () => {
    env = createKickstartEnvironment(
      await folder({ 'a.ks.njk': '{% include "snippets/bad.njk" %}', 'snippets/bad.njk': 'ok\n{{ nope }}' }),
      { watch: false },
    );
    expect(() => env!.render('a.ks.njk', {})).toThrow(/^nope is undefined at snippets\/bad\.njk:2, included from a\.ks\.njk:1$/);
  });

  it.each(['../outside.ks.njk', '/etc/passwd', 'snippets/../../outside.ks.njk', './a.ks.njk', '.hidden'])(
    'When the template name is %j, then it is refused and never read',
    async (name) => {
      const dir = await folder({ 'a.ks.njk': 'a', '.hidden': 'h' });
      await writeFile(path.join(path.dirname(dir), 'outside.ks.njk'), 'SECRET');
      env = createKickstartEnvironment(dir, { watch: false });
      expect(await env.exists(name)).toBe(false);
      expect(() => env!.render(name, {})).toThrow();
    },
  );

  it('When a snippet include tries to leave the folder, then rendering fails', async () => {
    const dir = await folder({ 'a.ks.njk': '{% include "../outside.ks.njk" %}' });
    await writeFile(path.join(path.dirname(dir), 'outside.ks.njk'), 'SECRET');
    env = createKickstartEnvironment(dir, { watch: false });
    expect(() => env!.render('a.ks.njk', {})).toThrow(/template not found/);
  });

  it('When raw_include pastes a shell file, then nunjucks syntax inside it is left alone', async () => {
    env = createKickstartEnvironment(
      await folder({ 'a.ks.njk': 'A\n{{ raw_include("lib/x.sh") }}\nB', 'lib/x.sh': 'n=${#arr[@]} {{ not_a_var }} {% x %}\n' }),
      { watch: false },
    );
    expect(env.render('a.ks.njk', {})).toBe('A\nn=${#arr[@]} {{ not_a_var }} {% x %}\nB');
  });

  it('When a template file changes on disk, then the next render uses the new text', async () => {
    const dir = await folder({ 'a.ks.njk': 'version 1', 'snippets/s.njk': 's1' });
    env = createKickstartEnvironment(dir);
    expect(env.render('a.ks.njk', {})).toBe('version 1');
    await writeFile(path.join(dir, 'a.ks.njk'), 'version 2 {% include "snippets/s.njk" %}');
    await expect.poll(() => env!.render('a.ks.njk', {}), { timeout: 5000 }).toBe('version 2 s1');
    await writeFile(path.join(dir, 'snippets/s.njk'), 's2');
    await expect.poll(() => env!.render('a.ks.njk', {}), { timeout: 5000 }).toBe('version 2 s2');
  });
});
