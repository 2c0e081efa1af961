// Issue 13: an author ran code on the server through a template preview. Published nunjucks and
// JavaScript template-escape payloads — tplmap/SSTImap's nunjucks plugin, mozilla/nunjucks#338 and
// #1048, the "sandbox break-out" write-up egg-view-nunjucks#20 cites, and the issue's own — plus the
// variants the sandbox's design invites (computed keys, dict literals with __proto__, macros, caller,
// the globals, filters that look attributes up) go through four routes: the preview API, a save then a
// render, a snippet pulled in by {% include %}, and operator templates (profile append lines, rule
// hostname patterns). Each must render inert or fail with a clear error naming the template and its
// line; the canary command never runs; no secret — the admin token, a secret planted in process.env —
// is in any answer; every preview is audited.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sampleFacts } from '../support/facts.js';
import { startTestServer, type TestServer } from '../support/server.js';

const CANARY = path.join(os.tmpdir(), `kickstand-canary-${process.pid}-${randomBytes(6).toString('hex')}`);
const CMD = `touch ${CANARY}`;
const ENV_SECRET = `env-secret-${randomBytes(12).toString('hex')}`;
const exec = (how: string) => `return ${how}('child_process').execSync('${CMD}').toString()`;
const EVAL_B64 = Buffer.from(`process.mainModule.require('child_process').execSync('${CMD}')`).toString('base64');

interface Payload {
  /** Where it comes from or what it tries. */
  name: string;
  source: string;
  /** Renders as harmless text (a function's name as a string); everything else must be refused. */
  inert?: true;
}

const PAYLOADS: Payload[] = [
  // The payloads.
  {
    name: 'issue 13: range.constructor reads the admin token',
    source: '{{ range.constructor("return process.env.KICKSTAND_ADMIN_TOKEN")() }}',
  },
  { name: 'issue 13: getBuiltinModule child_process', source: `{{ range.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'issue 13: cycler.constructor', source: `{{ cycler.constructor("${exec('process.getBuiltinModule')}")() }}` },
  // tplmap / SSTImap nunjucks plugin (execute, write, truncate, evaluate).
  {
    name: 'SSTImap execute: global.process.mainModule.require',
    source: `{{ range.constructor("${exec('global.process.mainModule.require')}")() }}`,
  },
  {
    name: 'SSTImap write: fs.appendFileSync',
    source: `{{ range.constructor("global.process.mainModule.require('fs').appendFileSync('${CANARY}', 'x')")() }}`,
  },
  {
    name: 'SSTImap truncate: fs.writeFileSync',
    source: `{{ range.constructor("global.process.mainModule.require('fs').writeFileSync('${CANARY}', '')")() }}`,
  },
  {
    name: 'SSTImap evaluate: eval(Buffer(base64))',
    source: `{{ range.constructor("return eval(Buffer('${EVAL_B64}','base64').toString())")() }}`,
  },
  {
    name: 'SSTImap read: fs.readFileSync /etc/passwd',
    source: `{{ range.constructor("return global.process.mainModule.require('fs').readFileSync('/etc/passwd').toString()")() }}`,
  },
  // mozilla/nunjucks#338 and #1048.
  {
    name: 'nunjucks#338: a.constructor.__proto__.constructor',
    source: `{{ params.constructor.__proto__.constructor("${exec('process.getBuiltinModule')}")() }}`,
  },
  {
    name: 'nunjucks#1048: "".constructor.constructor',
    source: `{{ "".constructor.constructor("${exec('process.getBuiltinModule')}")() }}`,
  },
  { name: '[].constructor.constructor', source: `{{ [].constructor.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: '{}.constructor.constructor', source: `{{ {}.constructor.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'number literal constructor', source: `{{ (1).constructor.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'regex literal constructor', source: `{{ r/x/.constructor.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'joiner.constructor', source: `{{ joiner.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'lipsum (Jinja global) constructor', source: `{{ lipsum.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'raw_include.constructor', source: `{{ raw_include.constructor("${exec('process.getBuiltinModule')}")() }}` },
  // Keys built at run time.
  { name: 'subscript string key', source: `{{ range["constructor"]("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'concatenated key', source: `{{ range["constr" + "uctor"]("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'key from {% set %}', source: `{% set k = "constr" + "uctor" %}{{ range[k]("${exec('process.getBuiltinModule')}")() }}` },
  {
    name: 'key from a {% set %} block',
    source: `{% set k %}constructor{% endset %}{{ range[k]("${exec('process.getBuiltinModule')}")() }}`,
  },
  { name: 'key from join', source: `{{ range[["con", "structor"] | join("")]("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'key from lower', source: `{{ range["CONSTRUCTOR" | lower]("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'key from replace', source: `{{ range["coXnstructor" | replace("X", "")]("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'key from a param', source: `{{ range[params.k]("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'Function kept in a variable', source: `{% set f = range.constructor %}{{ f("${exec('process.getBuiltinModule')}")() }}` },
  // Prototypes and accessors.
  { name: '__proto__.constructor', source: `{{ range.__proto__.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: '__defineGetter__', source: '{{ params.__defineGetter__("x", range) }}' },
  { name: '__lookupGetter__', source: '{{ host.__lookupGetter__("__proto__") }}' },
  {
    name: 'facts["__proto__"]["constructor"]',
    source: `{{ facts["__proto__"]["constructor"]["constructor"]("${exec('process.getBuiltinModule')}")() }}`,
  },
  { name: 'prototype', source: '{{ range.prototype }}' },
  { name: 'dict literal with __proto__ then call', source: '{% set o = {"__proto__": range} %}{{ o.call(null, 3) }}' },
  {
    name: 'dict literal with __proto__ then constructor',
    source: `{% set o = {"__proto__": range} %}{{ o.constructor("${exec('process.getBuiltinModule')}")() }}`,
  },
  // Names a plain object inherits.
  { name: 'bare constructor', source: `{{ constructor.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'bare toString', source: `{{ toString.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'bare hasOwnProperty', source: '{{ hasOwnProperty("x") }}' },
  { name: 'bare valueOf', source: '{{ valueOf() }}' },
  // Macros, caller, loop, the globals' results.
  { name: 'macro.constructor', source: `{% macro m() %}x{% endmacro %}{{ m.constructor("${exec('process.getBuiltinModule')}")() }}` },
  {
    name: 'caller.constructor',
    source: `{% macro w() %}{{ caller.constructor("${exec('process.getBuiltinModule')}")() }}{% endmacro %}{% call w() %}x{% endcall %}`,
  },
  {
    name: 'loop.constructor',
    source: `{% for x in [1] %}{{ loop.constructor.constructor("${exec('process.getBuiltinModule')}")() }}{% endfor %}`,
  },
  { name: 'cycler().next.constructor', source: `{{ cycler("a").next.constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: 'joiner().constructor', source: `{{ joiner().constructor("${exec('process.getBuiltinModule')}")() }}` },
  { name: "an allowed method's constructor", source: `{{ "".concat.constructor("${exec('process.getBuiltinModule')}")() }}` },
  // Function.prototype and methods outside the allow-list.
  { name: 'range.call', source: '{{ range.call(null, 3) }}' },
  { name: 'range.apply', source: '{{ range.apply(null, [3]) }}' },
  { name: 'range.bind', source: '{{ range.bind(null)(3) }}' },
  { name: 'range.toString source', source: '{{ range.toString() }}' },
  { name: '[].map with a function', source: '{{ [1].map(range) }}' },
  { name: 'String.prototype.sub', source: '{{ "x".sub() }}' },
  { name: 'RegExp exec', source: '{{ r/x/.exec("x") }}' },
  // Globals that are not there.
  { name: 'process.env', source: '{{ process.env.KICKSTAND_ADMIN_TOKEN }}' },
  { name: 'global.process', source: '{{ global.process.env }}' },
  { name: 'globalThis.process', source: '{{ globalThis.process.env }}' },
  { name: 'require', source: `{{ require("child_process").execSync("${CMD}") }}` },
  { name: 'process.getBuiltinModule', source: `{{ process.getBuiltinModule("child_process").execSync("${CMD}") }}` },
  { name: 'this.constructor', source: `{{ this.constructor.constructor("${exec('process.getBuiltinModule')}")() }}` },
  // Files outside the templates folder.
  { name: 'raw_include /proc/self/environ', source: '{{ raw_include("/proc/self/environ") }}' },
  { name: 'raw_include traversal', source: '{{ raw_include("../../../../../../etc/passwd") }}' },
  { name: 'include /etc/passwd', source: '{% include "/etc/passwd" %}' },
  { name: 'include traversal', source: '{% include "../../../../../../proc/self/environ" %}' },
  { name: 'import /proc/self/environ', source: '{% import "/proc/self/environ" as e %}{{ e }}' },
  // Filter and test names are looked up in tables of their own, outside the runtime.
  { name: 'a filter named constructor', source: '{{ "return 1" | constructor }}' },
  { name: 'a filter named __defineGetter__', source: '{{ "lookup" | __defineGetter__(range) }}' },
  { name: 'a test named constructor', source: '{% if "x" is constructor %}yes{% endif %}' },
  { name: 'a test named hasOwnProperty', source: '{% if "x" is hasOwnProperty %}yes{% endif %}' },
  // Filters that look attributes up: they give strings or the items, never the function.
  { name: 'sum over constructor.constructor', source: '{{ [range] | sum("constructor.constructor", "") }}', inert: true },
  { name: 'join over constructor', source: '{{ [range] | join(",", "constructor") }}', inert: true },
  { name: 'groupby constructor', source: '{% for k, v in [range] | groupby("constructor") %}{{ k }}{% endfor %}' },
  // Holding the service.
  { name: 'a range of a billion', source: '{% for i in range(1000000000) %}x{% endfor %}' },
  { name: 'nested loops', source: '{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}' },
  { name: 'a loop over a dict with a huge length', source: '{% for i in {"length": 1000000000000} %}x{% endfor %}' },
  {
    name: 'a loop over a long string',
    source: `{% set s = "xxxxxxxxxxxxxxxx" %}${'{% set s = s + s %}'.repeat(20)}{% for c in s %}{% endfor %}`,
  },
];

let srv: TestServer;
let dir: string;
let host: { id: string };
const tokens: Record<string, string> = {};
const secrets = () => [srv.adminToken, ENV_SECRET, tokens.author!, tokens.operator!];
const as = (who: string) => ({ Authorization: `Bearer ${tokens[who]}` });
/** A clear error names the line, or the template that is not there (an include outside the folder). */
const CLEAR = /line \d+|template not found: /;
/** The payload on line 2 of a kickstart. */
const kickstart = (p: Payload) => `text\n${p.source}\nreboot\n`;

function noSecret(text: string): void {
  for (const secret of secrets()) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/root:x:0:0|PATH=/);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-escape-'));
  await cp(path.resolve('kickstarts'), dir, { recursive: true });
  // As a deployment would have them, and what an escape would look for.
  process.env.KICKSTAND_ESCAPE_CANARY = ENV_SECRET;
  srv = await startTestServer({ templatesDir: dir });
  process.env.KICKSTAND_ADMIN_TOKEN = srv.adminToken;
  tokens.admin = srv.adminToken;
  for (const role of ['author', 'operator']) {
    await request(srv.url)
      .post('/api/v1/users')
      .set(as('admin'))
      .send({ name: `${role}1`, role, password: `${role}-password-123` })
      .expect(201);
    tokens[role] = (
      await request(srv.url).post(`/api/v1/users/${role}1/tokens`).set(as('admin')).send({ name: 't' }).expect(201)
    ).body.token;
  }
  await request(srv.url).post('/api/v1/profiles').set(as('operator')).send({ name: 'bounce', action: 'reboot' }).expect(201);
  host = (await request(srv.url).post('/api/v1/discovery').send(sampleFacts()).expect(201)).body;
});
afterEach(() => expect(existsSync(CANARY), `the canary ${CANARY} was created`).toBe(false));
afterAll(async () => {
  delete process.env.KICKSTAND_ESCAPE_CANARY;
  delete process.env.KICKSTAND_ADMIN_TOKEN;
  await srv.stop();
  await rm(dir, { recursive: true, force: true });
  await rm(CANARY, { force: true });
});

describe(`template escapes (${PAYLOADS.length} payloads)`, () => {
  it('There are at least 40 payloads, each named once', () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(PAYLOADS.map((p) => p.name)).size).toBe(PAYLOADS.length);
  });

  it.each(PAYLOADS)('Route 1, the preview API: when an author previews "$name", then it is refused at its line or inert', async (p) => {
    const res = await request(srv.url)
      .post('/api/v1/templates/site.ks.njk/preview')
      .set(as('author'))
      .send({ content: kickstart(p), sample: 'small-vm', params: { k: 'constructor' } });
    noSecret(res.text);
    expect(res.status).toBe(200);
    const error = (res.body.findings as { code: string; line: number; message: string }[]).find((f) => f.code === 'TEMPLATE_RENDER');
    if (p.inert) {
      expect(error).toBeUndefined();
      expect(res.body.rendered).toMatch(/^text\n.*\nreboot\n$/s);
    } else {
      expect(error, JSON.stringify(res.body.findings)).toBeDefined();
      if (!error!.message.startsWith('template not found: ')) expect(error!.line).toBeGreaterThanOrEqual(1);
      expect(res.body.rendered).toBeUndefined();
    }
  });

  it.each(PAYLOADS.map((p, i) => ({ ...p, file: `escape-${i}.ks.njk` })))(
    'Route 2, save then render: when an author saves "$name", then the save is refused at its line, or the render for a host is',
    async (p) => {
      const save = await request(srv.url)
        .put(`/api/v1/templates/${p.file}`)
        .set(as('author'))
        .send({ content: kickstart(p), base_sha256: '' });
      noSecret(save.text);
      if (save.status === 400) {
        expect(save.body.error.code).toBe('TEMPLATE_SYNTAX');
        expect(save.body.error.message).toMatch(new RegExp(`^${p.file.replace('.', '\\.')} line 2, column \\d+: `));
        expect(existsSync(path.join(dir, p.file))).toBe(false);
        return;
      }
      expect(save.status).toBe(201);
      // The assignment renders the template as the poll would, before anything is stored.
      const assign = await request(srv.url)
        .post(`/api/v1/hosts/${host.id}/assignment`)
        .set(as('admin'))
        .send({ action: 'kickstart', template: p.file, params: { k: 'constructor' } });
      noSecret(assign.text);
      if (!p.inert) {
        expect(assign.status, assign.text).toBe(400);
        expect(assign.body.error.code).toBe('TEMPLATE_RENDER');
        // `file line N, column C: why`, or for one value `expr is undefined at file:N`.
        const file = p.file.replace('.', '\\.');
        expect(assign.body.error.message).toMatch(new RegExp(`^${file}(?: line \\d+, column \\d+)?: | at ${file}:\\d+$`));
        expect(assign.body.error.message).toMatch(new RegExp(`${CLEAR.source}| at ${file}:\\d+$`));
        return;
      }
      expect(assign.status, assign.text).toBe(200);
      const kickstartText = await request(srv.url).get(`/api/v1/hosts/${host.id}/kickstart`).set(as('admin')).expect(200);
      noSecret(kickstartText.text);
      expect(kickstartText.text).toMatch(/^text\n.*\nreboot\n$/s);
    },
  );

  it.each(PAYLOADS.map((p, i) => ({ ...p, file: `snippets/escape-${i}.njk` })))(
    'Route 3, a snippet: when "$name" is in a snippet written to the folder (as a git pull would) and included, then the preview names the snippet and its line, or it is inert',
    async (p) => {
      await writeFile(path.join(dir, p.file), `# snippet\n${p.source}\n`);
      const res = await request(srv.url)
        .post('/api/v1/templates/site.ks.njk/preview')
        .set(as('author'))
        .send({ content: `text\n{% include "${p.file}" %}\nreboot\n`, sample: 'small-vm', params: { k: 'constructor' } });
      noSecret(res.text);
      expect(res.status).toBe(200);
      const error = (res.body.findings as { code: string; message: string }[]).find((f) => f.code === 'TEMPLATE_RENDER');
      if (p.inert) expect(error).toBeUndefined();
      else
        expect(error?.message, JSON.stringify(res.body.findings)).toMatch(
          new RegExp(`^in ${p.file.replace('.', '\\.')} line \\d+: |^template not found: `),
        );
    },
  );

  it.each(PAYLOADS.map((p, i) => ({ ...p, i })))(
    'Route 4, operator templates: when "$name" is a profile append line or a rule hostname pattern, then it is refused with INVALID_PATTERN',
    async (p) => {
      const profile = await request(srv.url)
        .post('/api/v1/profiles')
        .set(as('operator'))
        .send({
          name: `escape-${p.i}`,
          action: 'kexec',
          kernel: 'http://127.0.0.1/k',
          initrd: 'http://127.0.0.1/i',
          append: `console=ttyS0 ${p.source}`,
        });
      noSecret(profile.text);
      expect(profile.status).toBe(400);
      expect(profile.body.error).toMatchObject({ code: 'INVALID_PATTERN', field: 'append' });
      const rule = await request(srv.url)
        .post('/api/v1/rules')
        .set(as('operator'))
        .send({ name: `escape-${p.i}`, expression: 'arch == "x86_64"', profile: 'bounce', hostname_pattern: `web-${p.source}` });
      noSecret(rule.text);
      expect(rule.status).toBe(400);
      expect(rule.body.error).toMatchObject({ code: 'INVALID_PATTERN', field: 'hostname_pattern' });
    },
  );

  it('Every preview above is in the audit as template.preview by the author', async () => {
    const entries = (await request(srv.url).get('/api/v1/audit?action=template.preview&limit=1000').set(as('admin')).expect(200)).body
      .entries as { actor: string; action: string; target: string; detail?: string }[];
    const previews = entries.filter((e) => e.action === 'template.preview');
    expect(previews.length).toBeGreaterThanOrEqual(2 * PAYLOADS.length);
    expect(previews.every((e) => e.actor === 'author1' && e.target === 'site.ks.njk')).toBe(true);
    for (const e of previews) noSecret(JSON.stringify(e));
  });
});
