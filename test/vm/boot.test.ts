// A real kernel in a VM: Debian's kernel under qemu with a dracut initramfs whose hook does what
// Anaconda does with inst.ks= (test/vm/guest/anaconda-ks.sh). The guest fetches the stub from the
// service running here, runs its %pre with the interpreter it names, and prints /tmp/kickstand.ks on
// the serial console; the facts it registered must be the VM's configured hardware: two NICs, a
// virtio-blk and a scsi disk, and SMBIOS strings, one of them hostile.
import { describe, expect, it } from 'vitest';
import {
  bootInstaller,
  CPUS,
  EXPECTED_DISKS,
  EXPECTED_DMI,
  fullHardware,
  HOSTILE_DMI,
  MACS,
  MEMORY_MIB,
  startRig,
  vmSuite,
  waitInclude,
  waitRegistered,
  type Json,
} from './harness.js';

const FINAL_TEMPLATE = 'vm-final.ks.njk';
const FINAL_SOURCE = `# vm final kickstart for {{ host.id }}
network --bootproto=dhcp --device={{ host.boot_mac }} --hostname={{ host.hostname }}
%post
echo {{ facts.dmi.serial | shellquote }} {{ host.boot_nic | shellquote }}
echo {{ facts.dmi.version | shellquote }}
%end
`;

const suite = vmSuite('bios');
const { cleanups, timings } = suite;

describe('a real kernel boots into the discovery stub', () => {
  it('When a VM boots with inst.ks= pointing at the service, then it registers its configured hardware and prints the assigned kickstart byte for byte', async () => {
    const rig = await startRig(cleanups, { [FINAL_TEMPLATE]: FINAL_SOURCE });
    const { admin } = rig;
    const b = bootInstaller(suite.env, rig, cleanups, 'bios', fullHardware(rig));
    const host = await waitRegistered(rig, b);
    timings.bootToRegistrationMs = Date.now() - b.booted;

    const facts = host.facts as Json;
    expect(facts.nics.map((n: Json) => n.mac)).toEqual(MACS);
    expect(facts.nics.map((n: Json) => n.boot)).toEqual([true, false]);
    expect(facts.boot_mac).toBe(MACS[0]);
    expect(host.boot_mac).toBe(MACS[0]);
    // MemTotal: what the kernel has left after its own reservations, a little under the configured size.
    expect(facts.memory_mib).toBeLessThanOrEqual(MEMORY_MIB);
    expect(facts.memory_mib).toBeGreaterThan(MEMORY_MIB * 0.9);
    expect(facts.cpu.threads).toBe(CPUS);
    // Both disks in lsblk's (name) order: the scsi-hd as sda with its INQUIRY vendor and product, the
    // virtio-blk as vda (no vendor or model to report).
    expect(
      facts.disks.map((d: Json) => ({ name: d.name, size_bytes: d.size_bytes, serial: d.serial, vendor: d.vendor, model: d.model })),
    ).toEqual(EXPECTED_DISKS.map((d) => ({ model: undefined, ...d })));
    // Every SMBIOS string verbatim, the hostile one byte for byte.
    expect(facts.dmi).toMatchObject(EXPECTED_DMI);
    expect(Buffer.from(facts.dmi.version as string)).toEqual(Buffer.from(HOSTILE_DMI));
    expect(facts.firmware).toEqual({ type: 'bios', secure_boot: false });
    expect(facts.arch).toBe('x86_64');
    // The stub fetch carried X-RHN-Provisioning-MAC-* (a sighting needs them) and was tied to this host.
    expect(host.events.map((e: Json) => e.message)).toContain('stub kickstart fetched by Kickstand VM (x86_64)');

    const res = await admin('POST', `/api/v1/hosts/${host.id}/assignment`, {
      action: 'kickstart',
      template: FINAL_TEMPLATE,
      hostname: 'vm1.example.com',
      params: {},
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const preview = await (await admin('GET', `/api/v1/hosts/${host.id}/kickstart`)).text();

    const include = await waitInclude(b);
    timings.bootToIncludeMs = Date.now() - b.booted;
    expect(include.toString('utf8')).toBe(preview);
    expect(preview).toContain(`network --bootproto=dhcp --device=${MACS[0]} --hostname=vm1.example.com`);
    await Promise.race([b.vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }, 420_000);
});
