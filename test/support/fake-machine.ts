// Many distinct machines on one test box: the %pre reads its NICs and DMI from KICKSTAND_SYSFS and the
// boot NIC from BOOTIF on KICKSTAND_CMDLINE, so a fabricated sysfs root per machine (one port with its
// own MAC, DMI with its own UUID and serial) and a BOOTIF naming that port give each run its own
// identity. Everything else (CPU, memory, disks, addresses) is this box's, read by the real tools.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface FakeMachine {
  /** Boot MAC, lowercase with colons (what the service stores). */
  mac: string;
  uuid: string;
  serial: string;
  /** The sysfs root to pass as KICKSTAND_SYSFS. */
  sysfs: string;
  /** The kernel command line for preWorkspace(): BOOTIF names the fabricated port. */
  cmdline: string;
}

/** Machine number `n` (0 … 65535) under `dir`: MAC 02:6b:00:00:NN:NN, UUID and serial from n. */
export async function fakeMachine(dir: string, n: number): Promise<FakeMachine> {
  const bytes = [0x02, 0x6b, 0x00, 0x00, (n >> 8) & 0xff, n & 0xff];
  const mac = bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  const uuid = `6b6b6b6b-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  const serial = `FAULT${String(n).padStart(5, '0')}`;
  const sysfs = path.join(dir, 'sys');
  const w = async (rel: string, content: string) => {
    await mkdir(path.dirname(path.join(sysfs, rel)), { recursive: true });
    await writeFile(path.join(sysfs, rel), `${content}\n`);
  };
  // A port without a `device` link: the %pre reads it but never brings it up or down (no `ip link`).
  const nic = 'ens9f0';
  await w(`class/net/${nic}/address`, mac);
  await w(`class/net/${nic}/type`, '1');
  await w(`class/net/${nic}/operstate`, 'up');
  await w(`class/net/${nic}/carrier`, '1');
  await w(`class/net/${nic}/speed`, '25000');
  await w(`class/net/${nic}/mtu`, '1500');
  for (const [file, value] of Object.entries({
    sys_vendor: 'Dell Inc.',
    product_name: 'PowerEdge R650',
    product_serial: serial,
    product_uuid: uuid,
    chassis_type: '23',
    bios_vendor: 'Dell Inc.',
    bios_version: '1.13.2',
  })) {
    await w(`class/dmi/id/${file}`, value);
  }
  const cmdline = `BOOT_IMAGE=vmlinuz inst.ks=http://127.0.0.1/ks inst.ks.sendmac BOOTIF=01-${bytes.map((b) => b.toString(16).padStart(2, '0')).join('-')}`;
  return { mac, uuid, serial, sysfs, cmdline };
}
