// The few facts the host list shows, kept in the hot document so listing never opens a facts file.
import type { FactsSummary } from '../hosts/host.js';
import type { Facts } from './facts.js';
import { reportedBmcAddress } from '../bmc/adopt.js';

export function summarize(facts: Facts): FactsSummary {
  const disks = facts.disks ?? [];
  const bootNic = facts.nics.find((n) => n.mac.toLowerCase() === facts.boot_mac.toLowerCase());
  const ip = (bootNic?.ipv4 ?? facts.nics.flatMap((n) => n.ipv4 ?? []))[0]?.split('/')[0];
  const s: FactsSummary = {
    disk_count: disks.length,
    disk_total_bytes: disks.reduce((sum, d) => sum + (d.size_bytes ?? 0), 0),
    nic_count: facts.nics.length,
    kexec: facts.kexec?.available === true,
  };
  const set = <K extends keyof FactsSummary>(key: K, value: FactsSummary[K] | undefined) => {
    if (value !== undefined && value !== '') s[key] = value;
  };
  set('vendor', facts.dmi?.vendor);
  set('product', facts.dmi?.product);
  set('arch', facts.arch);
  set('cpu_model', facts.cpu?.model);
  set('cpu_cores', facts.cpu?.cores);
  set('memory_mib', facts.memory_mib);
  set('ip', ip);
  set('firmware', facts.firmware?.type);
  set('installer', facts.installer?.pretty_name ?? facts.installer?.name);
  set('bmc_ip', reportedBmcAddress(facts));
  if (facts.pci) s.gpu_count = facts.gpus?.length ?? 0;
  set('lldp_switch', facts.lldp?.switch ?? facts.lldp?.chassis_id);
  set('lldp_port', facts.lldp?.port);
  return s;
}
