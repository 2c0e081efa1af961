// The boot page's DHCP snippets as the daemons themselves read them: each pasted into a minimal real
// configuration and checked by dnsmasq --test, dhcpd -t and kea-dhcp4 -t. A snippet that only looks
// right would fail here (the ISC one once said "inside the subnet", where dhcpd refuses its option
// definition). The daemons only parse: nothing listens, nothing is sent.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dhcpChain, dhcpSnippets, ipxeScriptUrl } from '../../src/boot/dhcp-snippets.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-dhcp-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// An IPv4 base (next-server is set) and a name (it is not), each with a query to quote.
const cases = [
  { base: 'http://192.0.2.10:8080', query: { installer: 'el9', profile: 'web' } },
  { base: 'https://kickstand.example.net', query: { repo: 'http://192.0.2.20/el9?x="1"&y=2' } },
];

async function check(file: string, text: string, cmd: string, args: string[]) {
  await writeFile(path.join(dir, file), text);
  const { stdout, stderr } = await run(
    cmd,
    args.map((a) => a.replace('FILE', path.join(dir, file))),
  ).catch((err: unknown) => {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} refused ${file}:\n${e.stderr ?? ''}${e.stdout ?? ''}\n--- the file ---\n${text}`);
  });
  return `${stdout}${stderr}`;
}

describe('DHCP snippets, read by the daemons', () => {
  for (const [i, { base, query }] of cases.entries()) {
    const snippets = dhcpSnippets(dhcpChain(base, ipxeScriptUrl(base, query)));

    it(`When dnsmasq reads the dnsmasq snippet (${base}), then its syntax check passes`, async () => {
      const out = await check(`dnsmasq-${i}.conf`, `port=0\n${snippets.dnsmasq}`, '/usr/sbin/dnsmasq', ['--test', '-C', 'FILE']);
      expect(out).toContain('syntax check OK');
    });

    it(`When ISC dhcpd reads the dhcpd snippet at the top level (${base}), then dhcpd -t accepts it`, async () => {
      const conf = `authoritative;\n${snippets.dhcpd}\nsubnet 192.0.2.0 netmask 255.255.255.0 {\n  range 192.0.2.100 192.0.2.200;\n}\n`;
      await check(`dhcpd-${i}.conf`, conf, '/usr/sbin/dhcpd', [
        '-t',
        '-cf',
        'FILE',
        '-lf',
        '/dev/null',
        '-pf',
        path.join(dir, 'dhcpd.pid'),
      ]);
    });

    it(`When Kea reads the Kea fragment in a Dhcp4 configuration (${base}), then kea-dhcp4 -t accepts it`, async () => {
      const kea = JSON.parse(snippets.kea) as { Dhcp4: Record<string, unknown> };
      kea.Dhcp4.subnet4 = [{ id: 1, subnet: '192.0.2.0/24', pools: [{ pool: '192.0.2.100 - 192.0.2.200' }] }];
      kea.Dhcp4['lease-database'] = { type: 'memfile', persist: false };
      await check(`kea-${i}.json`, JSON.stringify(kea, null, 2), '/usr/sbin/kea-dhcp4', ['-t', 'FILE']);
    });
  }
});
