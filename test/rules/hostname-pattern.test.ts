// Hostname patterns: helpers work, results are valid hostnames, and nothing but the allow-list runs.
import { describe, expect, it } from 'vitest';
import { HostnamePattern, PatternError } from '../../src/rules/hostname-pattern.js';

const ctx = {
  host: { id: 'abcdefghijkl', boot_mac: '02:00:00:00:00:2a', serial: 'CN7016-9X2' },
  facts: { dmi: { vendor: 'Dell Inc.', serial: 'CN7016-9X2' }, nics: [{ name: 'eno1', mac: '02:00:00:00:00:2a' }] },
  params: { site: 'ams1' },
};
let counter = 6;
const helpers = { seq: (w: number) => String(++counter).padStart(w, '0') };

describe('hostname patterns', () => {
  it.each([
    ['web-{{ seq(3) }}.example.com', 'web-007.example.com'],
    ['{{ facts.dmi.vendor | slug }}-{{ host.serial | lower | last(3) }}', 'dell-inc-9x2'],
    ['n-{{ facts.nics[0].mac | replace(":", "") }}.{{ params.site }}', 'n-02000000002a.ams1'],
    ['{{ facts.dmi.asset | default("noasset") }}', 'noasset'],
  ])('%s → %s', (pattern, expected) => {
    counter = 6;
    expect(HostnamePattern.compile(pattern).render(ctx, helpers)).toBe(expected);
  });

  it('When rand_hex is used, then it gives that many hex digits', () => {
    expect(HostnamePattern.compile('h-{{ rand_hex(8) }}').render(ctx, helpers)).toMatch(/^h-[0-9a-f]{8}$/);
  });

  it('When a pattern uses seq, then it says so (the rule must keep a sequence)', () => {
    expect(HostnamePattern.compile('a{{ seq(2) }}').usesSeq).toBe(true);
    expect(HostnamePattern.compile('a{{ host.id }}').usesSeq).toBe(false);
  });

  it.each([
    ['{{ range.constructor("return process")() }}', /the only functions/],
    ['{{ range }}', /unknown name "range"/],
    ['{{ facts.constructor }}', /look facts up by name/],
    ['{{ facts["__proto__"] }}', /look facts up by name/],
    ['{% for x in facts.nics %}{{ x }}{% endfor %}', /not allowed/],
    ['{% set a = 1 %}', /not allowed/],
    ['{{ facts.dmi.vendor | safe }}', /unknown filter "safe"/],
    ['{{ seq(host.id) }}', /takes a number/],
    ['{{ unclosed', /does not parse/],
  ])('When the pattern is %j, then it is refused at compile time', (pattern, message) => {
    expect(() => HostnamePattern.compile(pattern)).toThrow(PatternError);
    expect(() => HostnamePattern.compile(pattern)).toThrow(message);
  });

  it.each([
    ['{{ facts.dmi.vendor }}', /not a valid hostname/], // "Dell Inc." has a space
    ['web_{{ seq(2) }}', /not a valid hostname/],
    ['{{ facts.dmi.missing }}', /does not render/],
  ])('When %j renders something that is not a hostname, then the error says what it gave', (pattern, message) => {
    expect(() => HostnamePattern.compile(pattern).render(ctx, helpers)).toThrow(message);
  });
});
