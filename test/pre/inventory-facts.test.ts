// The %pre's inventory facts (facts.sh: pci_json, read_nic_firmware, dimms_json, tpm_json, lldptool_json),
// gathered by the real gather_facts under the installer's commands on a fabricated sysfs, with fake
// lspci, ethtool, dmidecode and lldptool that print REAL outputs (test/fixtures/inventory/, each naming
// its source), hostile ones, or hang. docs/discovery.md#inventory-facts-pci-devices-nic-firmware-memory-modules-tpm-lldp-neighbours.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsSchema, LIMITS } from '../../src/schemas/facts.js';
import type { Facts } from '../../src/discovery/facts.js';
import { withInventory } from '../../src/discovery/inventory.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { compileExpression } from '../../src/rules/expression.js';
import { RULE_TYPES, ruleSubject } from '../../src/rules/subject.js';
import { runSourced, sourcedPre, type PreWorkspace } from '../support/pre-script.js';
import { makeRestrictedPath, type RestrictedPath } from '../support/restricted-path.js';
import { startTestServer } from '../support/server.js';

const validateFacts = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(factsSchema);
type Json = Record<string, any>;

const FIXTURES = path.resolve('test/fixtures/inventory');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

// Each fake prints the file named after its call from $FAKE_INV (our "#" notes dropped), or fails as
// the tool does when it has nothing; a file "<tool>-hang" makes it hang. Noise on stderr each time.
const fake = (tool: string, file: string) => `
dir=\${FAKE_INV:?}
echo "${tool}: some warning" >&2
[[ -e $dir/${tool}-hang ]] && exec sleep 60
f="$dir/${file}"
[[ -f $f ]] || exit 1
grep -v '^#' "$f"`;
const STUBS = {
  lspci: `[[ "$*" == '-vmm -nn -k -D' ]] || exit 2\n${fake('lspci', 'lspci')}`,
  ethtool: `[[ $1 == -i ]] || exit 2\n${fake('ethtool', 'ethtool-$2')}`,
  dmidecode: `[[ "$*" == '-t 17' ]] || exit 1\n${fake('dmidecode', 'dmidecode')}`,
  lldptool: `case "$*" in -p) f=lldpad-pid ;; "-t -n -i "*) f="lldptool-$4" ;; *) exit 2 ;; esac\n${fake('lldptool', '$f')}`,
  // No default route, no addresses: the boot NIC is the first with carrier (eno1).
  ip: 'exit 0',
};

let ws: PreWorkspace;
let cleanup: () => Promise<void>;
let bin: RestrictedPath;
let root: string;

beforeAll(async () => {
  ({ ws, cleanup } = await sourcedPre());
  bin = await makeRestrictedPath({ stubs: STUBS });
  root = await mkdtemp(path.join(os.tmpdir(), 'kickstand-inventory-'));
});
afterAll(async () => {
  await cleanup();
  await bin.cleanup();
  await rm(root, { recursive: true, force: true });
});

interface Machine {
  /** Answers: file name in FAKE_INV → content (lspci, ethtool-eno1, dmidecode, lldpad-pid, lldptool-eno1, …). */
  answers?: Record<string, string>;
  tpm?: { major?: string; caps?: string };
  /** sysfs PCI functions for the fallback: slot → files. */
  pci?: Record<string, { class: string; vendor: string; device: string; driver?: string; revision?: string }>;
}

/** A fabricated machine: two physical ports with carrier (eno1 on 86:00.0, eno2 on 86:00.1), DMI with an
 *  asset tag, maybe a TPM and sysfs PCI functions; the fakes' answers. Returns the %pre's environment. */
async function machine(m: Machine = {}): Promise<Record<string, string>> {
  const dir = await mkdtemp(path.join(root, 'm-'));
  const sys = path.join(dir, 'sys');
  const w = async (rel: string, content: string) => {
    await mkdir(path.dirname(path.join(sys, rel)), { recursive: true });
    await writeFile(path.join(sys, rel), content);
  };
  for (const [name, mac, slot] of [
    ['eno1', 'aa:bb:cc:00:00:01', '0000:86:00.0'],
    ['eno2', 'aa:bb:cc:00:00:02', '0000:86:00.1'],
  ] as const) {
    await mkdir(path.join(sys, 'devices/pci0000:80', slot), { recursive: true });
    await w(`class/net/${name}/address`, `${mac}\n`);
    await w(`class/net/${name}/type`, '1\n');
    await w(`class/net/${name}/flags`, '0x1003\n');
    await w(`class/net/${name}/operstate`, 'up\n');
    await w(`class/net/${name}/carrier`, '1\n');
    await symlink(path.join(sys, 'devices/pci0000:80', slot), path.join(sys, `class/net/${name}/device`));
  }
  await w('class/dmi/id/chassis_asset_tag', 'RACK12-U07\n');
  await w('class/dmi/id/sys_vendor', 'Dell Inc.\n');
  if (m.tpm) {
    await mkdir(path.join(sys, 'class/tpm/tpm0/device'), { recursive: true });
    if (m.tpm.major) await w('class/tpm/tpm0/tpm_version_major', `${m.tpm.major}\n`);
    if (m.tpm.caps) await w('class/tpm/tpm0/device/caps', m.tpm.caps);
  }
  for (const [slot, f] of Object.entries(m.pci ?? {})) {
    const d = `bus/pci/devices/${slot}`;
    for (const key of ['class', 'vendor', 'device', 'revision'] as const) if (f[key]) await w(`${d}/${key}`, `${f[key]}\n`);
    if (f.driver) {
      await mkdir(path.join(sys, 'bus/pci/drivers', f.driver), { recursive: true });
      await symlink(path.join(sys, 'bus/pci/drivers', f.driver), path.join(sys, d, 'driver'));
    }
  }
  const answers = path.join(dir, 'answers');
  await mkdir(answers);
  for (const [name, text] of Object.entries(m.answers ?? {})) await writeFile(path.join(answers, name), text);
  for (const tool of ['lspci', 'ethtool', 'dmidecode', 'lldptool']) await writeFile(bin.recordFile(tool), '');
  return { ...ws.env, KICKSTAND_SYSFS: sys, FAKE_INV: answers, KICKSTAND_LINK_WAIT: '1' };
}

/** The real gather_facts; the upload must validate and be the only thing on stdout. */
async function gather(env: Record<string, string>, { binDir = bin.binDir, before = '' } = {}): Promise<Json> {
  const res = await runSourced(ws.script, `${before}\ngather_facts`, binDir, env);
  expect(res.stderr).not.toMatch(/command not found|syntax error|unbound variable|some warning/);
  expect(res.code, res.stderr).toBe(0);
  const out = res.stdout.toString('utf8');
  expect(out.split('\n').filter(Boolean)).toHaveLength(1);
  const facts = JSON.parse(out) as Json;
  expect(validateFacts(facts), JSON.stringify(validateFacts.errors)).toBe(true);
  return facts;
}

const nic = (facts: Json, name: string): Json => facts.nics.find((n: Json) => n.name === name);

describe('PCI devices', () => {
  it('When lspci prints the XL710 host’s records, then pci[] has each function with names, ids, revision and bound driver', async () => {
    const facts = await gather(await machine({ answers: { lspci: fixture('lspci-vmm-nn-k-xl710.txt') } }));
    expect(facts.pci).toEqual([
      {
        slot: '0000:86:00.0',
        class: 'Ethernet controller',
        class_id: '0200',
        vendor: 'Intel Corporation',
        vendor_id: '8086',
        device: 'Ethernet Controller XL710 for 40GbE QSFP+',
        device_id: '1583',
        subsystem_vendor: 'Intel Corporation [8086]',
        subsystem_device: 'Ethernet Converged Network Adapter XL710-Q2 [0001]',
        revision: '02',
        driver: 'vfio-pci',
      },
      {
        slot: '00:1c.3',
        class: 'PCI bridge',
        class_id: '0604',
        vendor: 'Intel Corporation',
        vendor_id: '8086',
        device: '82801 PCI Bridge',
        device_id: '244e',
        subsystem_vendor: 'Intel Corporation [8086]',
        subsystem_device: '82801 PCI Bridge [244e]',
        revision: 'd5',
        driver: 'pcieport',
      },
    ]);
    expect(await bin.calls('lspci')).toEqual([['-vmm', '-nn', '-k', '-D']]);
  });

  it('When an older lspci names the slot "Device:" (VirtualBox), then slots and devices are still told apart', async () => {
    const facts = await gather(await machine({ answers: { lspci: fixture('lspci-v-m-nn-virtualbox.txt') } }));
    expect(facts.pci.map((d: Json) => [d.slot, d.class_id, d.device])).toEqual([
      ['00:00.0', '0600', '440FX - 82441FX PMC [Natoma]'],
      ['00:01.1', '0101', '82371AB/EB/MB PIIX4 IDE'],
      ['00:02.0', '0300', 'VirtualBox Graphics Adapter'],
      ['00:03.0', '0200', '82540EM Gigabit Ethernet Controller'],
    ]);
  });

  it('When lspci is not in the image, then pci[] comes from sysfs: ids, revision and driver, no names', async () => {
    const bare = await makeRestrictedPath({ stubs: { ...STUBS }, without: ['lspci'] });
    try {
      const env = await machine({
        pci: {
          '0000:00:02.0': { class: '0x030000', vendor: '0x10de', device: '0x1eb8', revision: '0xa1', driver: 'nouveau' },
          '0000:3b:00.0': { class: '0x010400', vendor: '0x1000', device: '0x0016', driver: 'megaraid_sas' },
          '0000:3c:00.0': { class: 'garbage', vendor: '0x1000"', device: '0x00160' },
        },
      });
      const facts = await gather(env, { binDir: bare.binDir });
      expect(facts.pci).toEqual([
        { slot: '0000:00:02.0', class_id: '0300', vendor_id: '10de', device_id: '1eb8', revision: 'a1', driver: 'nouveau' },
        { slot: '0000:3b:00.0', class_id: '0104', vendor_id: '1000', device_id: '0016', driver: 'megaraid_sas' },
        { slot: '0000:3c:00.0' },
      ]);
    } finally {
      await bare.cleanup();
    }
  });

  it('When lspci hangs, then it is killed at the deadline and pci[] comes from sysfs', async () => {
    const env = await machine({
      answers: { 'lspci-hang': '' },
      pci: { '0000:00:02.0': { class: '0x030200', vendor: '0x10de', device: '0x20b0', driver: 'nvidia' } },
    });
    const facts = await gather(env, { before: 'TOOL_TIMEOUT=1' });
    expect(facts.pci).toEqual([{ slot: '0000:00:02.0', class_id: '0302', vendor_id: '10de', device_id: '20b0', driver: 'nvidia' }]);
  });

  it('When neither lspci nor sysfs lists a device, then there is no pci key', async () => {
    const facts = await gather(await machine());
    expect(facts).not.toHaveProperty('pci');
  });

  it('When lspci prints hostile records, then values arrive verbatim or are left out, nothing runs, and at most 256 devices are sent', async () => {
    const mark = path.join(root, 'pwned-pci');
    const evil = `Evil "Corp" \\ $(touch ${mark}) \`touch ${mark}\` \x1b[2J`;
    const records = [
      `Slot:\t0000:01:00.0\nClass:\t${evil} [0300]\nVendor:\t${'v'.repeat(1000)} [10de]\nDevice:\tX [12345]\nSVendor:\t"; touch ${mark}; "\nRev:\tzz\nDriver:\t$(touch ${mark})`,
      `Slot:\tzz:00.0\nClass:\tVGA compatible controller [0300]`,
      `Slot:\t0000:02:00.0", "class_id": "0300\nClass:\tVGA [0300]`,
      ...Array.from(
        { length: 300 },
        (_, i) =>
          `Slot:\t0000:${(i >> 5).toString(16).padStart(2, '0')}:${(i & 31).toString(16).padStart(2, '0')}.1\nClass:\tRAM memory [0500]`,
      ),
    ];
    const facts = await gather(await machine({ answers: { lspci: records.join('\n\n') } }));
    expect(facts.pci).toHaveLength(LIMITS.pci);
    expect(facts.pci[0]).toEqual({
      slot: '0000:01:00.0',
      class: evil,
      class_id: '0300',
      vendor: 'v'.repeat(LIMITS.shortString),
      vendor_id: '10de',
      device: 'X [12345]',
      subsystem_vendor: `"; touch ${mark}; "`,
    });
    // The two bad slots are left out: the second device is the first of the 300.
    expect(facts.pci[1]).toEqual({ slot: '0000:00:00.1', class: 'RAM memory', class_id: '0500' });
    expect(existsSync(mark)).toBe(false);
  });
});

describe('NIC driver and firmware versions', () => {
  it('When ethtool -i answers for the i40e and virtio ports, then each NIC has driver_version and firmware (none for virtio)', async () => {
    const facts = await gather(
      await machine({ answers: { 'ethtool-eno1': fixture('ethtool-i-i40e.txt'), 'ethtool-eno2': fixture('ethtool-i-virtio.txt') } }),
    );
    expect(nic(facts, 'eno1')).toMatchObject({ driver_version: '2.8.20-k', firmware: '5.05 0x800028a6 1.1568.0' });
    expect(nic(facts, 'eno2').driver_version).toBe('1.0.0');
    expect(nic(facts, 'eno2')).not.toHaveProperty('firmware');
    expect(await bin.calls('ethtool')).toEqual([
      ['-i', 'eno1'],
      ['-i', 'eno2'],
    ]);
  });

  it('When ethtool hangs, then the first call is killed at the deadline, no other is made, and the NICs go without versions', async () => {
    const facts = await gather(await machine({ answers: { 'ethtool-hang': '' } }), { before: 'TOOL_TIMEOUT=1' });
    expect(nic(facts, 'eno1')).not.toHaveProperty('driver_version');
    expect(await bin.calls('ethtool')).toEqual([['-i', 'eno1']]);
  });

  it('When ethtool prints hostile or huge versions, then they are capped and inert', async () => {
    const mark = path.join(root, 'pwned-ethtool');
    const facts = await gather(
      await machine({ answers: { 'ethtool-eno1': `driver: x\nversion: $(touch ${mark})\nfirmware-version: ${'f'.repeat(5000)}\n` } }),
    );
    expect(nic(facts, 'eno1')).toMatchObject({ driver_version: `$(touch ${mark})`, firmware: 'f'.repeat(LIMITS.shortString) });
    expect(existsSync(mark)).toBe(false);
  });
});

describe('memory modules', () => {
  it('When dmidecode -t 17 lists a laptop’s slots, then dimms[] has the installed module only, its size in MiB from MB', async () => {
    const facts = await gather(await machine({ answers: { dmidecode: fixture('dmidecode-t17-laptop.txt') } }));
    expect(facts.dimms).toEqual([
      {
        locator: 'ChannelA-DIMM1',
        bank: 'BANK 1',
        type: 'DDR4',
        manufacturer: 'Kingston',
        part_number: 'KHX2400C15S4/16G',
        serial: '6A172167',
        size_mib: 16384,
        speed_mts: 2400,
      },
    ]);
  });

  it('When dmidecode -t 17 lists a server’s registered DIMMs in GB, then sizes are in MiB and "Not Specified" is left out', async () => {
    const facts = await gather(await machine({ answers: { dmidecode: fixture('dmidecode-t17-server.txt') } }));
    expect(facts.dimms).toEqual([
      {
        locator: 'A8',
        type: 'DDR4',
        manufacturer: '002C00B3002C',
        part_number: '36ASF2G72PZ-2G1A2',
        serial: '11257349',
        size_mib: 16384,
        speed_mts: 2133,
      },
    ]);
  });

  it('When dmidecode is missing (an optional tool), then there is no dimms key', async () => {
    const bare = await makeRestrictedPath({ stubs: { ...STUBS }, without: ['dmidecode'] });
    try {
      const facts = await gather(await machine({ answers: { dmidecode: fixture('dmidecode-t17-server.txt') } }), { binDir: bare.binDir });
      expect(facts).not.toHaveProperty('dimms');
    } finally {
      await bare.cleanup();
    }
  });

  it('When dmidecode hangs, then it is killed at the deadline and there is no dimms key', async () => {
    const facts = await gather(await machine({ answers: { 'dmidecode-hang': '' } }), { before: 'TOOL_TIMEOUT=1' });
    expect(facts).not.toHaveProperty('dimms');
  });
});

describe('TPM and chassis asset tag', () => {
  it('When /sys/class/tpm/tpm0 has tpm_version_major 2, then tpm is present, version 2.0', async () => {
    const facts = await gather(await machine({ tpm: { major: '2' } }));
    expect(facts.tpm).toEqual({ present: true, version: '2.0' });
  });

  it('When tpm0 has no version file but caps (a TPM 1.2), then it is 1.2 and the manufacturer id is spelled out', async () => {
    const caps = 'Manufacturer: 0x49465800\nTCG version: 1.2\nFirmware version: 6.40\n';
    const facts = await gather(await machine({ tpm: { caps } }));
    expect(facts.tpm).toEqual({ present: true, version: '1.2', manufacturer: 'IFX' });
  });

  it('When there is no TPM, then tpm.present is false', async () => {
    const facts = await gather(await machine());
    expect(facts.tpm).toEqual({ present: false });
  });

  it('When the chassis has an asset tag, then dmi.chassis_asset_tag carries it', async () => {
    const facts = await gather(await machine());
    expect(facts.dmi.chassis_asset_tag).toBe('RACK12-U07');
  });
});

describe('LLDP neighbours from lldpad', () => {
  it('When lldpad answers, then each NIC with carrier has its neighbour from lldptool (Arista and Huawei outputs)', async () => {
    const facts = await gather(
      await machine({
        answers: {
          'lldpad-pid': '1234\n',
          'lldptool-eno1': fixture('lldptool-arista.txt'),
          'lldptool-eno2': fixture('lldptool-huawei.txt'),
        },
      }),
    );
    expect(nic(facts, 'eno1').lldp).toEqual({
      chassis_id: '44:4c:a8:d6:f9:05',
      switch: 'BAS-FIC-0H1E-12S-C02.picotrading.com',
      port: 'Ethernet4',
      port_description: 'RATE-BAS-P005_P4P2',
      vlan: 3001,
      mgmt_ip: '100.72.66.1',
      source: 'lldptool',
    });
    expect(nic(facts, 'eno2').lldp).toEqual({
      chassis_id: '18:cf:24:3c:72:c1',
      switch: 'HB.LF-RZ.M1.102-HW-CE6855-U1-A2-In-254.79-DPVS-Test',
      port: '10GE1/0/15',
      vlan: 100,
      mgmt_ip: '10.44.2.79',
      source: 'lldptool',
    });
  });

  it('When the stub’s facts register, then the service derives lldp from the boot NIC and gpus/storage controllers from pci', async () => {
    const facts = await gather(
      await machine({
        answers: {
          'lldpad-pid': '1234\n',
          'lldptool-eno1': fixture('lldptool-arista.txt'),
          lspci: fixture('lspci-v-m-nn-virtualbox.txt'),
        },
      }),
    );
    const srv = await startTestServer();
    try {
      const res = await fetch(`${srv.url}/api/v1/discovery`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(facts),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const host = (await (
        await fetch(`${srv.url}/api/v1/hosts/${id}`, { headers: { Authorization: `Bearer ${srv.adminToken}` } })
      ).json()) as Json;
      expect(host.facts.lldp).toMatchObject({ switch: 'BAS-FIC-0H1E-12S-C02.picotrading.com', port: 'Ethernet4', source: 'lldptool' });
      expect(host.facts.gpus.map((g: Json) => g.device)).toEqual(['VirtualBox Graphics Adapter']);
      expect(host.facts.storage_controllers.map((g: Json) => g.class_id)).toEqual(['0101']);
      expect(host.summary).toMatchObject({ gpu_count: 1, lldp_switch: 'BAS-FIC-0H1E-12S-C02.picotrading.com', lldp_port: 'Ethernet4' });
    } finally {
      await srv.stop();
    }
  });

  it('When lldptool is there but lldpad does not answer, then lldptool is asked nothing more and no NIC has lldp', async () => {
    const facts = await gather(await machine({ answers: { 'lldptool-eno1': fixture('lldptool-arista.txt') } }));
    expect(nic(facts, 'eno1')).not.toHaveProperty('lldp');
    expect(await bin.calls('lldptool')).toEqual([['-p']]);
  });

  it('When lldptool prints hostile values, then they are capped and inert, and a VLAN or address out of shape is left out', async () => {
    const mark = path.join(root, 'pwned-lldp');
    const out = [
      'Chassis ID TLV',
      `\tLocal: "; touch ${mark}; "`,
      'Port ID TLV',
      `\tIfname: $(touch ${mark})`,
      'System Name TLV',
      `\t${'s'.repeat(3000)}`,
      'Management Address TLV',
      `\tIPv4: 10.0.0.1; touch ${mark}`,
      'Port VLAN ID TLV',
      '\tPVID: 4095',
      '',
    ].join('\n');
    const facts = await gather(await machine({ answers: { 'lldpad-pid': '1\n', 'lldptool-eno1': out } }));
    expect(nic(facts, 'eno1').lldp).toEqual({
      chassis_id: `"; touch ${mark}; "`,
      switch: 's'.repeat(LIMITS.shortString),
      port: `$(touch ${mark})`,
      vlan: null,
      source: 'lldptool',
    });
    expect(existsSync(mark)).toBe(false);
  });
});

describe('the rule examples of docs/discovery.md#inventory-facts-pci-devices-nic-firmware-memory-modules-tpm-lldp-neighbours, on facts the %pre gathered', () => {
  let subject: ReturnType<typeof ruleSubject>;
  beforeAll(async () => {
    const facts = await gather(
      await machine({
        tpm: { major: '2' },
        answers: {
          lspci: fixture('lspci-v-m-nn-virtualbox.txt'),
          'ethtool-eno1': fixture('ethtool-i-i40e.txt'),
          dmidecode: fixture('dmidecode-t17-server.txt'),
          'lldpad-pid': '1\n',
          'lldptool-eno1': fixture('lldptool-huawei.txt'),
        },
      }),
    );
    subject = ruleSubject({}, withInventory(facts as Facts));
  });

  it.each([
    ['any(pci, class ~ "VGA")', true],
    ['count(gpus) > 0', true],
    ['count(pci, class_id == "0300") == 1', true],
    ['any(storage_controllers, class_id ~ "^0104")', false],
    ['lldp.switch ~ "CE6855"', true],
    ['lldp.switch == "leaf-12"', false],
    ['lldp.vlan == 100', true],
    ['any(nics, lldp.port == "10GE1/0/15")', true],
    ['any(nics, firmware ~ "^5\\.05")', true],
    ['any(dimms, size_mib >= 16384 and type == "DDR4")', true],
    ['tpm.present and tpm.version == "2.0"', true],
    ['dmi.chassis_asset_tag == "RACK12-U07"', true],
  ])('When the rule says %s, then it is %s', (text, expected) => {
    expect(evaluate(compileExpression(text, RULE_TYPES), subject)).toBe(expected);
  });
});
