// Facts that try to escape. A machine reports its own facts, so every string in them is hostile: here
// every free-text fact the schema accepts holds shell metacharacters, kickstart section lines and the
// line breaks pykickstart splits on but bash does not, and every shipped template is rendered with
// them. The kickstart must keep the same sections, commands and validator verdict as with honest
// facts; each %pre/%post body that carries facts must pass `bash -n`, and the ones that only echo
// (set -u and echo lines) are run: the marker file the payloads try to create never appears, and the
// facts come out verbatim. test/kickstart/templates.test.ts has the hand-picked DMI cases; this is
// every field, every template, every filter the templates use.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createKickstartEnvironment } from '../../src/kickstart/render/environment.js';
import { kickstartContext } from '../../src/kickstart/render/context.js';
import { installDisk, ksarg, shellquote } from '../../src/kickstart/render/filters.js';
import { shlexSplit, splitKickstartLines, validateKickstart, type KickstartVersion } from '../../src/kickstart/validate/index.js';
import { factsSchema } from '../../src/schemas/facts.js';
import { validators } from '../../src/schemas/validate.js';
import type { Facts } from '../../src/discovery/facts.js';
import type { Host } from '../../src/hosts/host.js';
import { validArbitrary } from '../support/json-arbitrary.js';
import { EXAMPLES } from '../support/kickstart-examples.js';

const TEMPLATES_DIR = path.resolve('kickstarts');
const env = createKickstartEnvironment(TEMPLATES_DIR, { watch: false });
const work = mkdtempSync(path.join(os.tmpdir(), 'kickstand-escape-'));
const MARK = path.join(work, 'pwned');
afterAll(() => {
  env.close();
  rmSync(work, { recursive: true, force: true });
});

const PAYLOADS = [
  `$(touch ${MARK})`,
  `\`touch ${MARK}\``,
  `; touch ${MARK};`,
  `' ; touch ${MARK} ; '`,
  `" ; touch ${MARK} ; "`,
  `'"'"'; touch ${MARK}; '"'"'`,
  `\\'; touch ${MARK}; #`,
  `| touch ${MARK}`,
  `&& touch ${MARK}`,
  `> ${MARK}`,
  `x\ntouch ${MARK}\n`,
  `x\n%end\n%post\ntouch ${MARK}\n%end\n`,
  '%packages',
  '%end',
  'x\n%packages\n@core\n',
  `x\r%end\r%post --nochroot\rtouch ${MARK}`,
  `x\u2028%end\u2028%post\u2028touch ${MARK}`,
  `x\x85%end\x85touch ${MARK}`,
  `x\v%end\ftouch ${MARK}\x1c%end`,
  '$HOME ${IFS} $((6*7)) !! \\n \\',
  '# --bogus=1 -- %include /etc/passwd',
  '\u202e\u200b\ufeff\u{1F4A3}',
];

/** Facts with every free-text field the schema accepts set to `payload` (cut to the field's cap);
 *  fields with a pattern (MACs, device names, IPv4 addresses) or an enum get honest values. */
function hostileFacts(payload: string): Facts {
  const fill = (schema: Record<string, unknown>, key: string, index = 0): unknown => {
    if (Array.isArray(schema.enum)) return schema.enum[0];
    const types = ([] as unknown[]).concat(schema.type);
    if (types.includes('string')) {
      if (typeof schema.pattern === 'string') {
        // Honest values of each shaped field: device names, MACs, IPv4 addresses (facts.bmc), versions,
        // PCI slots, ids and revisions (facts.pci).
        const shaped =
          key === 'name'
            ? [index ? 'sdb' : 'eno1']
            : [`02:00:00:00:00:0${index + 1}`, '192.0.2.1', '2.0', `0000:3b:00.${index}`, '0300', '01'];
        return shaped.find((v) => new RegExp(schema.pattern as string, 'u').test(v));
      }
      // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points on purpose: JSON Schema's maxLength counts code points
      return [...payload].slice(0, Number(schema.maxLength ?? 256)).join('');
    }
    if (types.includes('object')) {
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      if (!Object.keys(props).length) return { site: payload, rack: payload };
      return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fill(s, k, index)]));
    }
    if (types.includes('array')) return [0, 1].map((i) => fill(schema.items as Record<string, unknown>, key, i));
    if (types.includes('integer') || types.includes('number')) return 1;
    if (types.includes('boolean')) return false;
    return null;
  };
  const facts = fill(factsSchema, '') as Facts & Record<string, unknown>;
  facts.format = 1;
  facts.boot_mac = '02:00:00:00:00:01';
  // Removable disks are skipped by install_disk: keep them fixed so the render has a disk.
  for (const d of facts.disks ?? []) Object.assign(d, { removable: false, transport: payload.slice(0, 256) });
  return validators.facts(facts);
}

const honest = JSON.parse(readFileSync(path.join(TEMPLATES_DIR, 'samples/dell-r650.json'), 'utf-8')) as Facts;
const host = { id: 'abcdefghijkl', hostname: 'node1.example.com', boot_mac: '02:00:00:00:00:01', state: 'assigned' } as unknown as Host;

/** Every top-level template an admin can assign, with the example params of each version, plus one
 *  render where the EL version comes from the (hostile) facts. */
const RENDERS: [string, KickstartVersion, Record<string, unknown>][] = [
  ...Object.values(EXAMPLES).map(([t, v, p]) => [t, v as KickstartVersion, p] as [string, KickstartVersion, Record<string, unknown>]),
  ['rhel.ks.njk', 'RHEL9', { repo: 'http://mirror.example.com/os' }],
];

const render = (template: string, facts: Facts, params: Record<string, unknown>) =>
  env.render(template, kickstartContext({ ...host, boot_mac: facts.boot_mac }, facts, params, 'http://192.0.2.10:8080'));

interface Shape {
  /** Section headers and %end lines, in order, as pykickstart splits lines. */
  sections: string[];
  /** First word of every command line outside sections. */
  commands: string[];
  /** Script bodies by position: header → text. */
  scripts: { header: string; body: string }[];
}

function shape(text: string): Shape {
  const sections: string[] = [];
  const commands: string[] = [];
  const scripts: Shape['scripts'] = [];
  let current: { header: string; lines: string[] } | undefined;
  // Lines keep their own break: a script body is run with the bytes the kickstart holds.
  for (const line of splitKickstartLines(text, true)) {
    const t = line.trim();
    if (t.startsWith('%')) {
      sections.push(t.split(/\s+/)[0]!);
      if (t.startsWith('%end')) {
        if (current) scripts.push({ header: current.header, body: current.lines.join('') });
        current = undefined;
      } else current = { header: t, lines: [] };
    } else if (current) current.lines.push(line);
    else if (t && !t.startsWith('#')) commands.push(t.split(/\s+/)[0]!);
  }
  return { sections, commands, scripts };
}

const bashN = (body: string) => execFileSync('bash', ['-n'], { input: body, encoding: 'utf-8', stdio: ['pipe', 'pipe', 'pipe'] });

describe('hostile facts through every shipped template', () => {
  it('When the shipped templates are listed, then each top-level one is rendered here', () => {
    const shipped = readdirSync(TEMPLATES_DIR).filter((n) => n.endsWith('.ks.njk') && n !== 'stub.ks.njk');
    expect(new Set(RENDERS.map(([t]) => t))).toEqual(new Set(shipped));
  });

  it('When every free-text fact holds a payload, then the schema accepts it (so this is what the service would render)', () => {
    for (const p of PAYLOADS) expect(() => hostileFacts(p)).not.toThrow();
    expect(JSON.stringify(hostileFacts('PAYLOAD')).match(/PAYLOAD/g)!.length).toBeGreaterThan(50);
  });

  it.each(RENDERS)(
    'When %s (%s) is rendered with hostile facts, then sections, commands and the verdict stay those of honest facts, every script passes bash -n, and echoing scripts touch nothing',
    (template, version, params) => {
      const base = render(template, honest, params);
      const baseShape = shape(base);
      const baseFindings = validateKickstart(base, { version }).map((f) => f.code);
      let executed = 0;
      for (const payload of PAYLOADS) {
        const what = `${template} with ${JSON.stringify(payload)}`;
        let text: string;
        try {
          text = render(template, hostileFacts(payload), params);
        } catch (err) {
          // Without params.version the EL version is read from facts.installer.version_id: one that is
          // not a number fails the render (the machine waits, render-failed on its timeline) — refused,
          // not escaped.
          expect(params.version, `${what}: ${(err as Error).message}`).toBeUndefined();
          expect((err as Error).message).toMatch(/^major is undefined at rhel\.ks\.njk:5$/);
          continue;
        }
        const s = shape(text);
        expect(s.sections, what).toEqual(baseShape.sections);
        expect(s.commands, what).toEqual(baseShape.commands);
        expect(
          validateKickstart(text, { version }).map((f) => f.code),
          what,
        ).toEqual(baseFindings);
        for (const [i, script] of s.scripts.entries()) {
          if (script.body === baseShape.scripts[i]!.body) continue;
          expect(() => bashN(script.body), `${what}: ${script.header}`).not.toThrow();
          // Only bodies made of set -u and echo lines are run: they can do nothing but print, unless a
          // fact escaped its quoting — which is what the marker file would show.
          if (!baseShape.scripts[i]!.body.split('\n').every((l) => /^(set -u|echo .*|)$/.test(l))) continue;
          expect(script.body, `${what}: ${script.header} echoes something`).toMatch(/^echo /m);
          const out = execFileSync('bash', ['-c', script.body], {
            cwd: work,
            encoding: 'utf-8',
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
          });
          executed++;
          expect(existsSync(MARK), `${what}: ${script.header} created the marker`).toBe(false);
          expect(out, what).toContain(payload.slice(0, 256));
        }
      }
      if (params.version !== undefined) expect(executed, 'no fact-bearing script was run').toBeGreaterThanOrEqual(PAYLOADS.length);
    },
  );
});

describe('the filters the templates use', () => {
  const CUSTOM = ['shellquote', 'ksarg', 'install_disk', 'pwhash'];

  it('When the shipped templates are searched, then every filter they use is a builtin or one of those tested here', () => {
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.njk'))
          for (const tag of readFileSync(p, 'utf-8').matchAll(/{[{%]([\s\S]*?)[}%]}/g))
            for (const m of tag[1]!.matchAll(/\|\s*([a-z_]+)/g)) used.add(m[1]!);
      }
    };
    walk(TEMPLATES_DIR);
    const BUILTIN = ['default', 'string', 'int', 'join'];
    expect([...used].filter((f) => !BUILTIN.includes(f)).sort()).toEqual([...CUSTOM].sort());
  });

  // pwhash output is a crypt hash (its own charset) or a hash the admin gave; it takes params only.
  it('shellquote: for any string without NUL, bash reads back exactly that string and runs nothing', () => {
    const values = fc.sample(
      fc.string({ unit: 'binary', maxLength: 80 }).filter((s) => !s.includes('\0')),
      { seed: 42, numRuns: 300 },
    );
    values.push(...PAYLOADS);
    // One bash for all: each value printed between markers, NUL-separated.
    const script = values.map((v) => `printf '%s\\0' ${shellquote(v)}`).join('\n');
    const out = execFileSync('bash', ['-c', script], {
      cwd: work,
      encoding: 'utf-8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
    });
    expect(out.split('\0').slice(0, -1)).toEqual(values);
    expect(existsSync(MARK)).toBe(false);
    // And inside a kickstart: no line of the quoted value can be read as %end or another section.
    for (const v of values)
      for (const line of splitKickstartLines(shellquote(v)).slice(1)) expect(line.startsWith("'"), JSON.stringify(v)).toBe(true);
  });

  it("ksarg: for any string without control characters, pykickstart's shlex gives back one word, that string", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !/[\x00-\x1f\x7f\x85\u2028\u2029]/.test(s)),
        (s) => {
          const line = `x --opt=${ksarg(s)}`;
          expect(splitKickstartLines(line)).toEqual([line]);
          expect(shlexSplit(line, true)).toEqual(['x', `--opt=${s}`]);
        },
      ),
      { seed: 42, numRuns: 1000 },
    );
    // Every character pykickstart ends a line on, not only \n.
    for (const bad of ['a\nb', 'a\rb', 'a\0b', 'a\x1bb', 'a\x7fb', 'a\vb', 'a\x1cb', 'a\x85%end', 'a\u2028%end', 'a\u2029b'])
      expect(() => ksarg(bad), JSON.stringify(bad)).toThrow();
  });

  it('install_disk: whatever disks a machine reports (any list the schema accepts), the answer is one of their names, never a removable or USB one', () => {
    const disks = validArbitrary({ ...factsSchema.properties.disks, maxItems: 6 }, { maxItems: 6 }).chain((list) =>
      fc
        .tuple(
          fc.constant(list as Record<string, unknown>[]),
          fc.array(fc.constantFrom('usb', 'nvme', undefined), { minLength: 6, maxLength: 6 }),
        )
        .map(([l, t]) => l.map((d, i) => (t[i] ? { ...d, transport: t[i] } : d))),
    );
    fc.assert(
      fc.property(disks, (disks) => {
        let name: string;
        try {
          name = installDisk(disks);
        } catch (err) {
          expect((err as Error).message).toMatch(/no fixed disk/);
          return;
        }
        const chosen = (disks as { name?: unknown; removable?: unknown; transport?: unknown }[]).find(
          (d) => d && typeof d === 'object' && d.name === name,
        );
        expect(chosen).toBeDefined();
        expect(chosen!.removable).not.toBe(true);
        expect(chosen!.transport).not.toBe('usb');
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
