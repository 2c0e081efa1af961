// Small valid fact sets for API tests; realistic full fixtures live in test/fixtures/facts/.
import { randomBytes } from 'node:crypto';

export function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfc) | 0x02; // locally administered, unicast: never a real vendor's MAC
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function sampleFacts(overrides: Record<string, unknown> = {}) {
  const mac = (overrides.boot_mac as string | undefined) ?? randomMac();
  return {
    format: 1,
    boot_mac: mac,
    arch: 'x86_64',
    cpu: { model: 'Intel(R) Xeon(R) Gold 6338', sockets: 2, cores: 64, threads: 128, flags: ['vmx', 'avx2'] },
    memory_mib: 262144,
    nics: [
      { name: 'eno1', mac, state: 'up', carrier: true, speed_mbps: 25000, driver: 'ice', ipv4: ['192.0.2.50/24'], ipv6: [], boot: true },
      { name: 'eno2', mac: randomMac(), state: 'down', carrier: false, speed_mbps: null, driver: 'ice', ipv4: [], ipv6: [], boot: false },
    ],
    disks: [
      {
        name: 'nvme0n1',
        size_bytes: 960197124096,
        model: 'SAMSUNG MZQL2960HCJR',
        serial: 'S64FNE0R',
        rotational: false,
        transport: 'nvme',
      },
    ],
    dmi: { vendor: 'Dell Inc.', product: 'PowerEdge R650', serial: 'ABC1234', uuid: crypto.randomUUID() },
    firmware: { type: 'uefi', secure_boot: false },
    kexec: { available: true, path: '/usr/sbin/kexec' },
    ...overrides,
  };
}
