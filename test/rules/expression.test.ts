// The rule language: parse errors with line and column, type errors at save, safe evaluation.
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../src/discovery/facts.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { compileExpression, ExpressionError } from '../../src/rules/expression.js';
import { FACT_TYPES } from '../../src/rules/fact-types.js';

const dell: Facts = {
  boot_mac: '02:00:00:00:00:01',
  arch: 'x86_64',
  memory_mib: 262144,
  cpu: { model: 'Xeon', cores: 32, flags: ['vmx', 'avx2'] },
  dmi: { vendor: 'Dell Inc.', product: 'PowerEdge R650', serial: 'ABC' },
  nics: [
    { name: 'eno1', mac: '02:00:00:00:00:01', speed_mbps: 25000, carrier: true },
    { name: 'eno2', mac: '02:00:00:00:00:02', speed_mbps: null, carrier: false },
  ],
  disks: [
    { name: 'sda', size_bytes: 480e9, rotational: false },
    { name: 'sdb', size_bytes: 4e12, rotational: true },
  ],
  firmware: { type: 'uefi', secure_boot: true },
  extra: { rack: 'r12' },
};
const vm: Facts = { boot_mac: '02:00:00:00:00:09', arch: 'aarch64', memory_mib: 2048, nics: [{ name: 'eth0', mac: '02:00:00:00:00:09' }] };

const run = (text: string, facts: Facts) => evaluate(compileExpression(text, FACT_TYPES), facts);

describe('rule expressions: evaluation', () => {
  it.each([
    ['memory_mib >= 65536 and cpu.cores >= 16 and dmi.vendor ~ "Dell" and any(nics, speed_mbps >= 25000)', true, false],
    ['arch in ["x86_64", "ppc64le"]', true, false],
    ['"vmx" in cpu.flags', true, false],
    ['dmi.product like "poweredge r6*"', true, false],
    ['dmi.vendor ~ "(?i)^dell"', true, false],
    ['dmi.vendor !~ "HPE"', true, false],
    ['has(dmi.serial) and not has(dmi.uuid)', true, false],
    ['all(nics, has(mac))', true, true],
    ['count(disks, rotational == false) == 1', true, false],
    ['count(nics) >= 2', true, false],
    ['firmware.type == "uefi" and firmware.secure_boot == true', true, false],
    ['nics[0].name == "eno1"', true, false],
    ['extra.rack == "r12"', true, false],
    ['memory_mib < 4096 or (arch == "aarch64" and not has(disks))', false, true],
    ['any(nics, carrier == true and speed_mbps >= 10000)', true, false],
  ])('%s → dell %s, vm %s', (text, onDell, onVm) => {
    expect(run(text, dell)).toBe(onDell);
    expect(run(text, vm)).toBe(onVm);
  });

  it('When a fact is missing, then comparisons are false rather than errors', () => {
    expect(run('cpu.cores > 1', vm)).toBe(false);
    expect(run('cpu.cores < 1', vm)).toBe(false);
    expect(run('dmi.vendor != "Dell"', vm)).toBe(false);
  });

  it('When a regex is catastrophic in backtracking engines, then RE2 still answers at once', () => {
    const facts = { ...dell, dmi: { vendor: `${'a'.repeat(5000)}!` } };
    const started = process.hrtime.bigint();
    expect(run('dmi.vendor ~ "^(a+)+$"', facts)).toBe(false);
    // Bounded by construction (RE2 is linear); the bound checked here is generous on purpose.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
  });
});

describe('rule expressions: errors', () => {
  const error = (text: string) => {
    try {
      compileExpression(text, FACT_TYPES);
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionError);
      return e as ExpressionError;
    }
    throw new Error(`expected "${text}" to be refused`);
  };

  it('When a parenthesis is not closed on line 2, then the error names line 2 and the column', () => {
    const e = error('memory_mib > 1 and\n  (cpu.cores > 2');
    expect(e.line).toBe(2);
    expect(e.column).toBeGreaterThan(1);
    expect(e.message).toMatch(/^line 2, column \d+: /);
  });

  it.each([
    ['cpu.core > 2', /unknown fact "cpu.core".*cores/],
    ['dmi.vendor > 3', /dmi.vendor/],
    ['memory_mib == "lots"', /memory_mib.*number/],
    ['memory_mib', /true or false/],
    ['memory_mib ~ "1"', /matches text/],
    ['dmi.vendor ~ "("', /invalid regular expression/],
    ['dmi.vendor ~ dmi.product', /quoted string/],
    ['any(memory_mib, x > 1)', /needs a list/],
    ['any(nics, speed > 1)', /unknown fact "speed"/],
    ['eval("1")', /unknown function "eval"/],
    ['constructor.name == "x"', /not a fact/],
    ['nics.__proto__ == 1', /not a fact/],
    ['a = 1', /.+/],
    ['memory_mib > 1, arch == "x"', /one expression only/],
    ['arch in "x86_64"', /must be a list/],
    ['arch in ["a", 1]', /one type/],
    ['', /empty/],
  ])('When the expression is %j, then it is refused (%s)', (text, message) => {
    expect(error(text).message).toMatch(message);
  });

  it('When the expression is huge or deeply nested, then it is refused', () => {
    expect(error('x'.repeat(5000)).message).toMatch(/longer than/);
    expect(error(`${'not '.repeat(100)}has(arch)`).message).toMatch(/deeper/);
  });
});
