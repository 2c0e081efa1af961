// The shipped templates: each rendered example matches its golden file (which pykickstart's
// ksvalidator passed for its version: test/tools/ksvalidate-goldens.sh), and hostile facts never
// break out of their quoting.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../support/kickstart-examples.js';
import { createKickstartEnvironment } from '../../src/kickstart/render/environment.js';
import { kickstartContext } from '../../src/kickstart/render/context.js';
import { ksarg, pwhash, shellquote } from '../../src/kickstart/render/filters.js';
import type { Facts } from '../../src/discovery/facts.js';
import type { Host } from '../../src/hosts/host.js';

const env = createKickstartEnvironment(path.resolve('kickstarts'), { watch: false });
afterAll(() => env.close());

const GOLDEN_DIR = path.resolve('test/fixtures/rendered');
const facts: Facts = {
  format: 1,
  boot_mac: '02:00:00:00:00:01',
  arch: 'x86_64',
  memory_mib: 262144,
  cpu: { model: 'Intel(R) Xeon(R) Gold 6338', sockets: 2, cores: 64, threads: 128 },
  nics: [
    { name: 'eno1', mac: '02:00:00:00:00:01', state: 'up', speed_mbps: 25000, boot: true },
    { name: 'eno2', mac: '02:00:00:00:00:02', state: 'down' },
  ],
  disks: [
    { name: 'sdz', size_bytes: 32e9, removable: true, transport: 'usb' },
    { name: 'nvme0n1', size_bytes: 960e9, rotational: false, transport: 'nvme' },
    { name: 'sda', size_bytes: 4e12, rotational: true, transport: 'sata' },
  ],
  dmi: { vendor: 'Dell Inc.', product: 'PowerEdge R650', serial: 'ABC1234' },
  firmware: { type: 'uefi', secure_boot: true },
};
const host = { id: 'abcdefghijkl', hostname: 'node1.example.com', boot_mac: '02:00:00:00:00:01', state: 'assigned' } as unknown as Host;
const render = (template: string, params: Record<string, unknown>, f: Facts = facts) =>
  env.render(template, kickstartContext(host, f, params, 'http://192.0.2.10:8080'));

describe('shipped templates', () => {
  it.each(Object.entries(EXAMPLES))(
    'When %s is rendered, then it matches its pykickstart-validated golden file',
    (name, [template, , params]) => {
      const text = render(template, params);
      const golden = path.join(GOLDEN_DIR, `${name}.ks`);
      if (process.env.UPDATE_GOLDENS === '1') writeFileSync(golden, text);
      expect(text).toBe(readFileSync(golden, 'utf-8'));
    },
  );

  it('When no disk is named, then the first fixed disk is used (not the USB stick)', () => {
    expect(render('rhel.ks.njk', { repo: 'http://x/', version: '9' })).toContain('ignoredisk --only-use=nvme0n1');
  });

  it('When a required param is missing, then rendering fails naming the template line', () => {
    expect(() => render('rhel.ks.njk', { version: '9' })).toThrow(/^params\.repo is undefined at rhel\.ks\.njk:9$/);
  });

  it('When a plaintext root password is given, then the kickstart carries only its SHA-512 crypt', () => {
    const text = render('rhel.ks.njk', { repo: 'http://x/', root_password: 'plain-secret' });
    expect(text).not.toContain('plain-secret');
    expect(text).toMatch(/^rootpw --iscrypted \$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/m);
  });

  it('When the host reported no fixed disk and none is named, then rendering fails saying so', () => {
    expect(() => render('rhel.ks.njk', { repo: 'http://x/' }, { ...facts, disks: [{ name: 'sdz', removable: true }] })).toThrow(
      /no fixed disk/,
    );
  });

  it('When a partitioning param tries to leave the snippets folder, then rendering fails', () => {
    expect(() => render('rhel.ks.njk', { repo: 'http://x/', partitioning: '../../stub.ks' })).toThrow(/not found/);
  });
});

describe('hostile facts', () => {
  const HOSTILE = ["'; reboot; echo '", '$(reboot)', '`reboot`', 'a\nreboot', '"; reboot; "', '\\', "it's", '%end', '\u00ff\u{1F4A3}'];

  it.each(HOSTILE)('When a DMI string is %j, then the %post prints it verbatim and runs nothing', (evil) => {
    const f = { ...facts, dmi: { vendor: evil, product: evil, serial: evil } };
    const text = render('rhel.ks.njk', { repo: 'http://x/', version: '9' }, f);
    const post = /^%post[^\n]*\n([\s\S]*?)^%end$/m.exec(text)![1]!;
    // No line of the body may look like a section header to pykickstart.
    for (const line of post.split('\n')) expect(line.trimStart().startsWith('%')).toBe(false);
    const out = execFileSync('bash', ['-c', post.replace(/^set -u$/m, 'set -u; reboot() { echo REBOOT-CALLED; }')], { encoding: 'utf-8' });
    expect(out).not.toContain('REBOOT-CALLED');
    expect(out).toContain(`Machine: ${evil} ${evil} serial ${evil}`);
  });

  it('When a value for a command line holds a newline, then rendering fails instead of adding a command', () => {
    expect(() => render('rhel.ks.njk', { repo: 'http://x/\nrootpw --plaintext x' })).toThrow(/ksarg: value contains a newline/);
  });
});

describe('filters', () => {
  it.each(["'", "a'b", '$(x)', '`x`', 'a\nb', ' lead', '', '\\n', '!', '*'])('shellquote(%j) round-trips through bash', (value) => {
    expect(execFileSync('bash', ['-c', `printf %s ${shellquote(value)}`], { encoding: 'utf-8' })).toBe(value);
  });

  it('shellquote refuses NUL and objects', () => {
    expect(() => shellquote('a\0b')).toThrow(/NUL/);
    expect(() => shellquote({})).toThrow();
    expect(() => shellquote(undefined)).toThrow(/undefined/);
  });

  it('ksarg leaves plain values alone and quotes the rest so shlex gives the value back', () => {
    expect(ksarg('http://m.example.com/os?x=1')).toBe("'http://m.example.com/os?x=1'");
    expect(ksarg('$6$abc$xyz')).toBe('$6$abc$xyz');
    for (const value of ["it's", 'a b', '#not-a-comment', 'x"y']) {
      const back = execFileSync(
        'python3',
        ['-c', 'import shlex,sys; print(shlex.split(sys.argv[1], comments=True)[0], end="")', ksarg(value)],
        { encoding: 'utf-8' },
      );
      expect(back).toBe(value);
    }
  });

  it('pwhash passes hashes through and hashes plaintext', () => {
    expect(pwhash('$6$abc$xyz')).toBe('$6$abc$xyz');
    expect(pwhash('$y$j9T$salt$hash')).toBe('$y$j9T$salt$hash');
    expect(pwhash('Hello world!', 'saltstring')).toBe(
      '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
    );
  });
});
