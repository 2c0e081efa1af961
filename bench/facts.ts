// Realistic facts for the registration storm: a 2U server as the %pre reports it (4 NICs, 8 disks,
// full DMI, ~8 KB of JSON), from kickstarts/samples/dell-r650.json, made distinct per host.
import { readFileSync } from 'node:fs';

// A server CPU's flags as /proc/cpuinfo lists them (Ice Lake SP): ~1 KB of a real machine's facts.
const FLAGS = ('fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid dca sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch cpuid_fault epb cat_l3 invpcid_single intel_ppin ssbd mba ibrs ibpb stibp ibrs_enhanced tpr_shadow vnmi flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid cqm rdt_a avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb intel_pt avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves cqm_llc cqm_occup_llc cqm_mbm_total cqm_mbm_local split_lock_detect wbnoinvd dtherm ida arat pln pts hwp hwp_act_window hwp_epp hwp_pkg_req avx512vbmi umip pku ospke avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg tme avx512_vpopcntdq la57 rdpid fsrm md_clear pconfig flush_l1d arch_capabilities').split(' ');

const base = JSON.parse(readFileSync(new URL('../kickstarts/samples/dell-r650.json', import.meta.url), 'utf-8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

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
  return {
    ...base,
    boot_mac: mac(n, 0),
    cpu: { ...base.cpu, flags: FLAGS },
    nics,
    disks,
    dmi: { ...base.dmi, serial: `BN${n.toString(36).toUpperCase().padStart(6, '0')}`, uuid: `4c4c4544-0042-${hex.slice(0, 4)}-8033-${hex}` },
  };
}
