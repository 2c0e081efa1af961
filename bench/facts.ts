// Realistic facts for the registration storm: a 2U server as the %pre reports it (4 NICs, 8 disks,
// full DMI, all CPU flags), from kickstarts/samples/dell-r650.json, made distinct per host, plus the
// site facts a customised stub commonly adds in `extra` (LLDP neighbours of each port, the BMC, the
// RAID controller): ~8 KB of JSON, the size the issue asks the storm to carry.
import { readFileSync } from 'node:fs';

// A server CPU's flags as /proc/cpuinfo lists them (Ice Lake SP): ~1 KB of a real machine's facts.
const FLAGS =
  'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid dca sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch cpuid_fault epb cat_l3 invpcid_single intel_ppin ssbd mba ibrs ibpb stibp ibrs_enhanced tpr_shadow vnmi flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid cqm rdt_a avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb intel_pt avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves cqm_llc cqm_occup_llc cqm_mbm_total cqm_mbm_local split_lock_detect wbnoinvd dtherm ida arat pln pts hwp hwp_act_window hwp_epp hwp_pkg_req avx512vbmi umip pku ospke avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg tme avx512_vpopcntdq la57 rdpid fsrm md_clear pconfig flush_l1d arch_capabilities'.split(
    ' ',
  );

const base = JSON.parse(readFileSync(new URL('../kickstarts/samples/dell-r650.json', import.meta.url), 'utf-8')) as Record<string, any>;

function mac(n: number, nic: number): string {
  const b = [0x02, 0x4b, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, nic];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function benchFacts(n: number): object {
  const nics = Array.from({ length: 4 }, (_, i) => ({
    ...(base.nics[i % base.nics.length] as object),
    name: `eno${i + 1}`,
    mac: mac(n, i),
    boot: i === 0,
    ipv4: i === 0 ? [`10.${(n >> 8) & 0xff}.${n & 0xff}.${10 + i}/16`] : [],
    ipv6: [`fe80::4b:${(n & 0xffff).toString(16)}:${i}/64`, `2001:db8:${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}::${i + 1}/64`],
  }));
  const disks = Array.from({ length: 8 }, (_, i) => ({
    ...(base.disks[i % base.disks.length] as object),
    name: i < 2 ? `nvme${i}n1` : `sd${String.fromCharCode(97 + i - 2)}`,
    serial: `S${n.toString(36).toUpperCase()}D${i}`,
  }));
  const hex = n.toString(16).padStart(12, '0');
  const extra: Record<string, string | number | boolean> = {
    bmc_ip: `10.250.${(n >> 8) & 0xff}.${n & 0xff}`,
    bmc_mac: mac(n, 0xf0),
    bmc_firmware: 'iDRAC9 7.00.00.172 (Build 12)',
    raid_controller: 'PERC H755 Front (Broadcom / LSI MegaRAID SAS-3 3508)',
    raid_firmware: '52.26.0-5179',
    microcode: '0xd0003d1',
    rack: `R${(n >> 6) % 40}`,
    rack_unit: (n % 42) + 1,
  };
  for (let i = 0; i < 4; i++) {
    extra[`lldp_eno${i + 1}_chassis`] = `mac 00:1c:73:${(n >> 8) & 0xff}:${n & 0xff}:${i}0`.replace(/:(\d)\b/g, ':0$1');
    extra[`lldp_eno${i + 1}_sysname`] = `leaf-${((n >> 6) % 40) * 2 + (i & 1) + 1}.dc1.example.com`;
    extra[`lldp_eno${i + 1}_sysdescr`] = 'Arista Networks EOS version 4.31.2F running on an Arista Networks DCS-7050SX3-48YC8';
    extra[`lldp_eno${i + 1}_port`] = `Ethernet${(n % 48) + 1}/${i + 1}`;
    extra[`lldp_eno${i + 1}_port_descr`] = `server ${hex} port ${i + 1} (uplink ${i < 2 ? 'provisioning' : 'storage'})`;
    extra[`lldp_eno${i + 1}_vlan`] = i < 2 ? 100 : 200 + i;
    extra[`lldp_eno${i + 1}_mgmt_ip`] = `10.255.${(n >> 6) % 40}.${i + 1}`;
    extra[`nic_eno${i + 1}_firmware`] = i < 2 ? 'FFV22.31.6 bc 5720-v1.39' : '22.36.1010 (DEL0000000015) mlx5_core 5.9-0.5.6';
  }
  disks.forEach((d, i) => {
    extra[`disk_${d.name}_firmware`] = i < 2 ? 'GDC7402Q (Samsung PM1733 3.2TB U.2 NVMe Gen4)' : 'DSG8 (MZ7LH1T9HMLT0D3 SATA SSD 1.92TB)';
    extra[`disk_${d.name}_smart`] =
      `PASSED; power_on_hours=${(n * 7 + i * 13) % 40000}; wear=${(n + i) % 100}%; media_errors=0; temperature=${30 + ((n + i) % 15)}C`;
  });
  return {
    ...base,
    boot_mac: mac(n, 0),
    cpu: { ...base.cpu, flags: FLAGS },
    nics,
    disks,
    extra,
    dmi: {
      ...base.dmi,
      serial: `BN${n.toString(36).toUpperCase().padStart(6, '0')}`,
      uuid: `4c4c4544-0042-${hex.slice(0, 4)}-8033-${hex}`,
    },
  };
}
