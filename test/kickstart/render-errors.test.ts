// Render errors that point at the cause (issue 17): the expression, the file it is in and its line,
// and the includes it came through — in the main template, a snippet, a macro, and every shipped
// template.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createKickstartEnvironment, type KickstartEnvironment, type RenderErrorDetail } from '../../src/kickstart/render/index.js';
import { kickstartContext } from '../../src/kickstart/render/context.js';
import { sampleFacts } from '../support/facts.js';
import { tempDir } from '../support/temp.js';

let env: KickstartEnvironment | undefined;
afterEach(() => env?.close());

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('kickstand-render-errors-');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

function failure(render: () => unknown): { message: string; detail: RenderErrorDetail } {
  try {
    render();
  } catch (err) {
    if (err instanceof AppError && err.code === 'TEMPLATE_RENDER') return { message: err.message, detail: err.detail as RenderErrorDetail };
    throw err;
  }
  throw new Error('the render did not fail');
}

describe('render errors', () => {
  it('When a param piped through a filter is missing in the main template, then the error is "params.repo is undefined at file:line"', async () => {
    env = createKickstartEnvironment(
      await folder({ 'a.ks.njk': '{% set major = ("9.4".split("."))[0] | int %}\ntext\nurl --url={{ params.repo | ksarg }}\n' }),
      {
        watch: false,
      },
    );
    const { message, detail } = failure(() => env!.render('a.ks.njk', { params: {} }));
    expect(message).toBe('params.repo is undefined at a.ks.njk:3');
    expect(detail).toMatchObject({ template: 'a.ks.njk', line: 3, expression: 'params.repo' });
  });

  it('When the missing value is in an included snippet, then the snippet and its line are named, and the include', async () => {
    env = createKickstartEnvironment(
      await folder({
        'a.ks.njk': 'one\n{% include "snippets/ok.njk" %}\n{% include "snippets/net.njk" %}\n',
        'snippets/ok.njk': 'fine\n',
        'snippets/net.njk': '# network\n\nnetwork --hostname={{ host.hostname | ksarg }}\n',
      }),
      { watch: false },
    );
    const { message, detail } = failure(() => env!.render('a.ks.njk', { host: { hostname: null } }));
    // Once: the include before it (which succeeded) is not part of the chain.
    expect(message).toBe('host.hostname is undefined at snippets/net.njk:3, included from a.ks.njk:3');
    expect(detail.included_from).toEqual([{ template: 'a.ks.njk', line: 3 }]);
  });

  it("When the missing value is in a macro, defined here or imported, then the line is the macro body's in its own file", async () => {
    env = createKickstartEnvironment(
      await folder({
        'local.ks.njk': '{% macro repo(r) %}\nrepo --baseurl={{ r.url | ksarg }}\n{% endmacro %}\ntext\n{{ repo({}) }}\n',
        'imported.ks.njk': '{% import "snippets/m.njk" as m %}\ntext\n\n{{ m.repo({"name": "x"}) }}\n',
        'snippets/m.njk': '{# repos #}\n{% macro repo(r) %}\nrepo --name={{ r.name | ksarg }} --baseurl={{ r.url }}\n{% endmacro %}\n',
      }),
      { watch: false },
    );
    expect(failure(() => env!.render('local.ks.njk', {})).message).toBe('r.url is undefined at local.ks.njk:2');
    expect(failure(() => env!.render('imported.ks.njk', {})).message).toBe('r.url is undefined at snippets/m.njk:3');
  });

  it('When a filter refuses a value that is there, then its reason and the expression are named at the line', async () => {
    env = createKickstartEnvironment(await folder({ 'a.ks.njk': 'text\n\nlang {{ params.lang | ksarg }}\n' }), { watch: false });
    const { message, detail } = failure(() => env!.render('a.ks.njk', { params: { lang: 'en\nreboot' } }));
    expect(message).toBe('ksarg: value contains a newline or control character, in {{ params.lang | ksarg }} at a.ks.njk:3');
    expect(detail.line).toBe(3);
  });

  it('When a missing value is printed with no filter, then the expression is named too', async () => {
    env = createKickstartEnvironment(await folder({ 'a.ks.njk': 'x\n{{ facts.dmi["serial"] }}\n' }), { watch: false });
    expect(failure(() => env!.render('a.ks.njk', { facts: { dmi: {} } })).message).toBe('facts.dmi.serial is undefined at a.ks.njk:2');
  });

  it('When every shipped template renders without its params, then its error has a file, a line and the expression', async () => {
    env = createKickstartEnvironment('kickstarts', { watch: false });
    const shipped = (await readdir('kickstarts')).filter((n) => n.endsWith('.ks.njk'));
    expect(shipped.length).toBeGreaterThanOrEqual(3);
    const facts = sampleFacts() as never;
    const host = { id: 'h1', hostname: 'h1.example.com', boot_mac: '52:54:00:00:00:01', state: 'assigned' as const };
    for (const name of shipped) {
      // The stub needs only kickstand.url; the others need params.repo at least.
      const context = name === 'stub.ks.njk' ? {} : kickstartContext(host, facts, {}, 'http://k');
      const { message, detail } = failure(() => env!.render(name, context));
      expect(detail.line, `${name}: ${message}`).toBeGreaterThan(0);
      expect(detail.expression, `${name}: ${message}`).toMatch(/^(params|kickstand)\./);
      expect(message).toMatch(new RegExp(`^\\S+ is undefined at ${name.replace('.', '\\.')}:\\d+$`));
    }
  });
});
