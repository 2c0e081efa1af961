// The template sandbox (src/kickstart/render/sandbox.ts): what authors keep — loops, macros, call blocks,
// imports, the globals, a few string and list methods — and what they lose: constructors, prototypes,
// inherited functions, runaway loops. The payload corpus is in test/security/template-escape.test.ts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { afterEach, describe, expect, it } from 'vitest';
import { createKickstartEnvironment, type KickstartEnvironment } from '../../src/kickstart/render/environment.js';
import { RANGE_LIMIT, RENDER_MAX_CHARS, RENDER_STEPS, sandboxEnvironment } from '../../src/kickstart/render/sandbox.js';
import { createViewEnvironment } from '../../src/web/views.js';

let env: KickstartEnvironment | undefined;
let dir: string | undefined;
afterEach(async () => {
  env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function kickstarts(files: Record<string, string> = {}): Promise<KickstartEnvironment> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-sandbox-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return (env = createKickstartEnvironment(dir, { watch: false }));
}

const ctx = { params: { list: ['a', 'b'], text: 'x,y', n: 3.14159 }, facts: { dmi: { vendor: 'Dell Inc.' } } };

describe('template sandbox', () => {
  it.each([
    [
      'string methods',
      '{{ params.text.split(",") | join("+") }} {{ facts.dmi.vendor.toLowerCase().startsWith("dell") }} {{ "ab".at(-1) }}',
      'x+y true b',
    ],
    ['list and number methods', '{{ params.list.join("-") }} {{ params.list.includes("b") }} {{ params.n.toFixed(2) }}', 'a-b true 3.14'],
    ['loops and loop variables', '{% for x in params.list %}{{ loop.index }}{{ x }}{% endfor %}', '1a2b'],
    [
      'cycler and joiner',
      '{% set c = cycler("odd", "even") %}{% set j = joiner("|") %}{% for i in range(3) %}{{ j() }}{{ c.next() }}{% endfor %} {{ c.current }}',
      'odd|even|odd odd',
    ],
    ['a call block and caller', '{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}in{% endcall %}', '[in]'],
    [
      'an imported macro',
      '{% import "snippets/m.njk" as m %}{% from "snippets/m.njk" import hi %}{{ m.hi("you") }} {{ hi("me") }}',
      'hi you hi me',
    ],
    [
      'own keys of the data, missing keys for `default`',
      '{{ facts.dmi["vendor"] }} {{ params.nothing | default("none") }}',
      'Dell Inc. none',
    ],
    ['range with a step and backwards', '{{ range(0, 10, 4) | join(",") }} {{ range(3, 0, -1) | join(",") }}', '0,4,8 3,2,1'],
  ])('When a template uses %s, then it renders as nunjucks would', async (_what, source, expected) => {
    const e = await kickstarts({ 'snippets/m.njk': '{% macro hi(x) %}hi {{ x }}{% endmacro %}' });
    expect(e.renderDraft('a.ks.njk', source, ctx)).toBe(expected);
  });

  it.each([
    [
      'a constructor',
      'text\n{{ range.constructor("return process")() }}',
      /^a\.ks\.njk line 2, column 10: "constructor" is not available in templates/,
    ],
    [
      'a key built at run time',
      'text\n{% set k = "constr" + "uctor" %}{{ "".concat(k) }}{{ range[k] }}',
      /^a\.ks\.njk line 2, column \d+: "constructor" is not available/,
    ],
    ['an inherited method outside the allow-list', 'text\n{{ params.text.repeat(1000000000) }}', /"repeat" is not available/],
    ['a lookup on a function', 'text\n{{ cycler.name }}', /looking up "name" on a function is not available/],
    ['a call of Object.prototype through a name', 'text\n{{ hasOwnProperty("x") }}', /"hasOwnProperty" is not available/],
    [
      'a call of an own function property the service did not give',
      'text\n{{ params.f() }}',
      /calling params\["f"\]\(\)|calling .*f.* is not available/,
    ],
  ])('When a template reaches for %s, then the render fails naming the template and line', async (_what, source, message) => {
    const e = await kickstarts();
    expect(() => e.renderDraft('a.ks.njk', source, { ...ctx, params: { ...ctx.params, f: () => 'ran' } })).toThrow(message);
  });

  it.each([
    ['{{ "x" | constructor }}', /filter not found: constructor/],
    ['{{ "lookup" | __defineGetter__(range) }}', /filter not found: __defineGetter__/],
    ['{% if "x" is constructor %}y{% endif %}', /test not found: constructor/],
  ])(
    'When %s names a filter or test after an Object.prototype method, then it is not found, even without the parse-time check',
    (source, message) => {
      const sandboxed = sandboxEnvironment(new nunjucks.Environment(null, { throwOnUndefined: true }));
      // Built directly, so the template skips the parse-time check of names: the tables alone must hold.
      const template = new nunjucks.Template(source, sandboxed, 'x.njk', true);
      expect(() => template.render({})).toThrow(message);
      expect(new nunjucks.Template('{{ "A" | lower }}{% if 3 is odd %}!{% endif %}', sandboxed, 'y.njk', true).render({})).toBe('a!');
    },
  );

  it('When a name is refused, then check() (save and preview) reports it at its line and column before anything runs', async () => {
    const e = await kickstarts();
    expect(e.check('a.ks.njk', 'text\n\n  {{ params.__proto__ }}')).toMatchObject({
      line: 3,
      column: 13,
      message: expect.stringContaining('"__proto__" is not available'),
    });
    expect(e.check('a.ks.njk', 'text\n{{ toString }}')).toMatchObject({ line: 2, column: 4 });
    expect(e.check('a.ks.njk', 'text\n{{ params.text.split(",") }}')).toBeUndefined();
  });

  it('When a snippet does not compile, then the including render fails with the snippet and its line (not later, not a crash)', async () => {
    const e = await kickstarts({ 'snippets/bad.njk': 'ok\n{{ range.constructor }}\n', 'snippets/broken.njk': 'ok\n{% if %}\n' });
    expect(() => e.renderDraft('a.ks.njk', 'text\n{% include "snippets/bad.njk" %}', ctx)).toThrow(
      /snippets\/bad\.njk line 2, column \d+: "constructor" is not available/,
    );
    expect(() => e.renderDraft('a.ks.njk', 'text\n{% include "snippets/broken.njk" %}', ctx)).toThrow(/snippets\/broken\.njk line 2/);
  });

  it(`When a loop runs away, then range() stops at ${RANGE_LIMIT} numbers and a render at ${RENDER_STEPS} steps, quickly`, async () => {
    const e = await kickstarts();
    expect(() => e.renderDraft('a.ks.njk', `{% for i in range(${RANGE_LIMIT + 1}) %}{% endfor %}`, ctx)).toThrow(/range\(\) is limited to/);
    const started = Date.now();
    expect(() => e.renderDraft('a.ks.njk', '{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}', ctx)).toThrow(
      /more than 1000000 steps/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    // The budget is per render: the next one starts from nothing.
    expect(e.renderDraft('a.ks.njk', '{% for i in range(1000) %}{% endfor %}ok', ctx)).toBe('ok');
  });

  it(`When a render grows past ${RENDER_MAX_CHARS / (1024 * 1024)} MiB of text, then it fails instead of being sent`, async () => {
    const e = await kickstarts({ 'snippets/big.njk': `${'x'.repeat(64 * 1024)}\n` });
    expect(() => e.renderDraft('a.ks.njk', '{% for i in range(200) %}{% include "snippets/big.njk" %}{% endfor %}', ctx)).toThrow(
      /^a\.ks\.njk: the rendered text is longer than 8 MiB/,
    );
    expect(e.renderDraft('a.ks.njk', '{% for i in range(100) %}{% include "snippets/big.njk" %}{% endfor %}', ctx)).toHaveLength(
      100 * (64 * 1024 + 1),
    );
  });

  it('When the web views render, then their environment is nunjucks as it ships (the sandbox is per environment, nothing global is patched)', () => {
    const views = createViewEnvironment();
    expect(views.renderString('{{ "ab".repeat(2) }}{{ range.name }}', {})).toBe('ababrange');
    expect(new nunjucks.Environment().renderString('{{ "x".repeat(3) }}', {})).toBe('xxx');
  });
});
