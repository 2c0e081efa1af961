// The %pre's BMC facts (facts.sh bmc_json), gathered by the real gather_facts under the installer's
// commands, with a fake `ipmitool` on PATH that answers what Dell, HPE and Supermicro BMCs answer, and a
// fake IPMI device node (KICKSTAND_DEV). docs/discovery.md#the-bmc.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsSchema } from '../../src/schemas/facts.js';
import { exitOf, extractPre, preWorkspace, runPre, runSourced, sourcedPre, type PreWorkspace } from '../support/pre-script.js';
import { makeRestrictedPath, type RestrictedPath } from '../support/restricted-path.js';
import { startTestServer } from '../support/server.js';

const validateFacts = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(factsSchema);
type Json = Record<string, any>;

// Answers from files in $FAKE_IPMI: lan-<channel> for `lan print <channel>` (absent: not a LAN
// channel, as ipmitool says), mc for `mc info`; a file named hang makes every call hang. Noise on
// stderr each time, which the %pre must swallow.
const FAKE_IPMITOOL = `
dir=\${FAKE_IPMI:?}
echo "Get Device ID command failed: 0xc1 Invalid command" >&2
[[ -e $dir/hang ]] && exec sleep 60
case "$3 $4" in
  'lan print') f="$dir/lan-$5" ;;
  'mc info') f="$dir/mc" ;;
  *) exit 1 ;;
esac
[[ -f $f ]] || { echo "Channel $5 is not a LAN channel" >&2; exit 1; }
cat "$f"`;

// Shapes of `ipmitool lan print` / `mc info` as ipmitool 1.8.18 prints them (lib/ipmi_lanp.c,
// lib/ipmi_mc.c); the Supermicro mc info is the one quoted in ipmitool/ipmitool issue #323.
const lanPrint = (o: { source: string; ip: string; mask: string; mac: string; gw: string; vlan: string }) =>
  `Set in Progress         : Set Complete
Auth Type Support       : NONE MD2 MD5 PASSWORD 
Auth Type Enable        : Callback : MD2 MD5 PASSWORD 
                        : User     : MD2 MD5 PASSWORD 
                        : Operator : MD2 MD5 PASSWORD 
                        : Admin    : MD2 MD5 PASSWORD 
                        : OEM      : 
IP Address Source       : ${o.source}
IP Address              : ${o.ip}
Subnet Mask             : ${o.mask}
MAC Address             : ${o.mac}
SNMP Community String   : public
IP Header               : TTL=0x40 Flags=0x40 Precedence=0x00 TOS=0x10
BMC ARP Control         : ARP Responses Enabled, Gratuitous ARP Disabled
Gratituous ARP Intrvl   : 2.0 seconds
Default Gateway IP      : ${o.gw}
Default Gateway MAC     : 00:00:00:00:00:00
Backup Gateway IP       : 0.0.0.0
Backup Gateway MAC      : 00:00:00:00:00:00
802.1q VLAN ID          : ${o.vlan}
802.1q VLAN Priority    : 0
RMCP+ Cipher Suites     : 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14
Cipher Suite Priv Max   : Xaaaaaaaaaaaaaa
                        :     X=Cipher Suite Unused
                        :     c=CALLBACK
                        :     u=USER
                        :     o=OPERATOR
                        :     a=ADMIN
                        :     O=OEM
Bad Password Threshold  : Not Available
`;

const mcInfo = (o: { fw: string; id: string; name: string; product: string }) =>
  `Device ID                 : 32
Device Revision           : 1
Firmware Revision         : ${o.fw}
IPMI Version              : 2.0
Manufacturer ID           : ${o.id}
Manufacturer Name         : ${o.name}
Product ID                : ${o.product}
Product Name              : Unknown (0x${Number(o.product.split(' ')[0]).toString(16).toUpperCase()})
Device Available          : yes
Provides Device SDRs      : no
Additional Device Support :
    Sensor Device
    SDR Repository Device
    SEL Device
    FRU Inventory Device
    IPMB Event Receiver
    IPMB Event Generator
    Chassis Device
Aux Firmware Rev Info     : 
    0x00
    0x00
    0x00
    0x00
`;

const DELL = {
  'lan-1': lanPrint({
    source: 'Static Address',
    ip: '10.1.20.31',
    mask: '255.255.255.0',
    mac: 'D0:94:66:2A:4B:10',
    gw: '10.1.20.1',
    vlan: 'Disabled',
  }),
  mc: mcInfo({ fw: '7.00', id: '674', name: 'DELL Inc', product: '256 (0x0100)' }),
};
// iLO answers on channel 2; channel 1 is not a LAN channel there.
const HPE = {
  'lan-2': lanPrint({
    source: 'DHCP Address',
    ip: '10.1.30.7',
    mask: '255.255.254.0',
    mac: '94:40:c9:3e:11:02',
    gw: '10.1.30.1',
    vlan: '100',
  }),
  mc: mcInfo({ fw: '2.78', id: '11', name: 'Hewlett-Packard', product: '8203 (0x200b)' }),
};
// A second port whose channel has no address yet (1), the configured one on 8.
const SUPERMICRO = {
  'lan-1': lanPrint({ source: 'Unspecified', ip: '0.0.0.0', mask: '0.0.0.0', mac: 'ac:1f:6b:00:00:01', gw: '0.0.0.0', vlan: 'Disabled' }),
  'lan-8': lanPrint({
    source: 'BIOS Assigned Address',
    ip: '10.1.40.9',
    mask: '255.255.255.0',
    mac: 'ac:1f:6b:00:00:02',
    gw: '10.1.40.1',
    vlan: '4094',
  }),
  mc: mcInfo({ fw: '3.10', id: '10876', name: 'Supermicro', product: '6996 (0x1b54)' }),
};

let ws: PreWorkspace;
let bin: RestrictedPath;
let fake: RestrictedPath;
let cleanup: () => Promise<void>;
let root: string;

beforeAll(async () => {
  ({ ws, bin, cleanup } = await sourcedPre());
  fake = await makeRestrictedPath({ stubs: { ipmitool: FAKE_IPMITOOL } });
  root = await mkdtemp(path.join(os.tmpdir(), 'kickstand-bmc-'));
});
afterAll(async () => {
  await cleanup();
  await fake.cleanup();
  await rm(root, { recursive: true, force: true });
});

/** A machine: its /dev (with the IPMI node at `device`, or none) and the BMC's answers. */
async function machine(answers: Record<string, string>, device: string | null = 'ipmi0'): Promise<Record<string, string>> {
  const dir = await mkdtemp(path.join(root, 'm-'));
  const dev = path.join(dir, 'dev');
  await mkdir(dev);
  if (device) {
    await mkdir(path.dirname(path.join(dev, device)), { recursive: true });
    await writeFile(path.join(dev, device), '');
  }
  const answersDir = path.join(dir, 'ipmi');
  await mkdir(answersDir);
  for (const [name, text] of Object.entries(answers)) await writeFile(path.join(answersDir, name), text);
  await writeFile(fake.recordFile('ipmitool'), '');
  return { ...ws.env, KICKSTAND_DEV: dev, FAKE_IPMI: answersDir, KICKSTAND_LINK_WAIT: '1' };
}

/** The real gather_facts; the upload must validate and be the only thing on stdout. */
async function gather(env: Record<string, string>, { binDir = fake.binDir, before = '' } = {}): Promise<Json> {
  const res = await runSourced(ws.script, `${before}\ngather_facts`, binDir, env);
  expect(res.stderr).not.toMatch(/command not found|syntax error|unbound variable|Invalid command|not a LAN channel/);
  expect(res.code).toBe(0);
  const out = res.stdout.toString('utf8');
  expect(out.split('\n').filter(Boolean)).toHaveLength(1);
  const facts = JSON.parse(out) as Json;
  expect(validateFacts(facts), JSON.stringify(validateFacts.errors)).toBe(true);
  return facts;
}

describe('facts.bmc from the local BMC', () => {
  it('When a Dell iDRAC answers on channel 1, then facts.bmc has its LAN settings and identity, in the agreed shape', async () => {
    const facts = await gather(await machine(DELL));
    expect(facts.bmc).toEqual({
      channel: 1,
      ip_source: 'static',
      ip: '10.1.20.31',
      netmask: '255.255.255.0',
      gateway: '10.1.20.1',
      mac: 'd0:94:66:2a:4b:10',
      vlan: null,
      manufacturer: 'DELL Inc',
      manufacturer_id: 674,
      product_id: 256,
      firmware: '7.00',
      ipmi_version: '2.0',
    });
    // Every call goes to the local device (-I open), never over the network.
    const calls = await fake.calls('ipmitool');
    expect(calls).toEqual([
      ['-I', 'open', 'lan', 'print', '1'],
      ['-I', 'open', 'mc', 'info'],
    ]);
  });

  it('When an HPE iLO answers on channel 2 with DHCP and a VLAN, then the channel is found and the VLAN is a number', async () => {
    const facts = await gather(await machine(HPE, 'ipmi/0'));
    expect(facts.bmc).toMatchObject({ channel: 2, ip_source: 'dhcp', ip: '10.1.30.7', netmask: '255.255.254.0', vlan: 100 });
    expect(facts.bmc).toMatchObject({ manufacturer: 'Hewlett-Packard', manufacturer_id: 11, product_id: 8203, firmware: '2.78' });
    expect((await fake.calls('ipmitool')).map((c) => c.slice(2).join(' '))).toEqual(['lan print 1', 'lan print 2', 'mc info']);
  });

  it('When the first LAN channel has no address (Supermicro, /dev/ipmidev/0), then the channel with one is reported', async () => {
    const facts = await gather(await machine(SUPERMICRO, 'ipmidev/0'));
    expect(facts.bmc).toMatchObject({ channel: 8, ip_source: 'bios', ip: '10.1.40.9', mac: 'ac:1f:6b:00:00:02', vlan: 4094 });
    expect(facts.bmc).toMatchObject({ manufacturer: 'Supermicro', manufacturer_id: 10876, product_id: 6996, firmware: '3.10' });
  });

  it('When only channel 1 exists and has no address, then it is reported with 0.0.0.0 and source none', async () => {
    const facts = await gather(await machine({ 'lan-1': SUPERMICRO['lan-1'], mc: SUPERMICRO.mc }));
    expect(facts.bmc).toMatchObject({ channel: 1, ip_source: 'none', ip: '0.0.0.0', gateway: '0.0.0.0' });
  });
});

describe('machines without a BMC are unchanged', () => {
  it('When there is no IPMI device, then there is no bmc key and ipmitool is never run', async () => {
    const facts = await gather(await machine(DELL, null));
    expect(facts).not.toHaveProperty('bmc');
    expect(await fake.calls('ipmitool')).toEqual([]);
  });

  it('When the device exists but ipmitool is missing, then there is no bmc key', async () => {
    const bare = await makeRestrictedPath({ without: ['ipmitool'] });
    try {
      const facts = await gather(await machine(DELL), { binDir: bare.binDir });
      expect(facts).not.toHaveProperty('bmc');
    } finally {
      await bare.cleanup();
    }
  });

  it('When the device exists but the BMC answers nothing, then there is no bmc key', async () => {
    const facts = await gather(await machine({}));
    expect(facts).not.toHaveProperty('bmc');
    expect((await fake.calls('ipmitool')).length).toBe(9); // eight channels, then mc info
  });

  it('When ipmitool hangs, then it is killed at the deadline, the probe stops after that one call, and the facts go without bmc', async () => {
    const facts = await gather(await machine({ ...DELL, hang: '' }), { before: 'IPMI_TIMEOUT=1' });
    expect(facts).not.toHaveProperty('bmc');
    expect(await fake.calls('ipmitool')).toEqual([['-I', 'open', 'lan', 'print', '1']]);
  });
});

describe('hostile BMC answers', () => {
  const mark = () => path.join(root, 'pwned');
  const hostileMc = (name: string, fw: string) =>
    mcInfo({ fw, id: '674', name, product: '256 (0x0100)' }) + 'Manufacturer Name         : second line, ignored\n';

  it('When names hold quotes, backslashes, $(…), backquotes and control characters, then they arrive verbatim and nothing runs', async () => {
    const name = `Evil "Corp" \\ $(touch ${mark()}) \`touch ${mark()}\` \x1b[2J\ttab\rcr`;
    const fw = `'; touch ${mark()}; '`;
    const facts = await gather(await machine({ 'lan-1': DELL['lan-1'], mc: hostileMc(name, fw) }));
    expect(facts.bmc.manufacturer).toBe(name);
    expect(facts.bmc.firmware).toBe(fw);
    expect(existsSync(mark())).toBe(false);
  });

  it('When the LAN values are not of their shapes, then they are left out, never sent to be refused', async () => {
    const lan = lanPrint({
      source: 'Static Address", "x": "1',
      ip: `10.0.0.1; touch ${mark()}`,
      mask: '255.255.255.256',
      mac: 'aa:bb:cc:dd:ee:ff", "ip": "10.9.9.9',
      gw: '$(reboot)',
      vlan: '4095',
    });
    const facts = await gather(await machine({ 'lan-1': lan, mc: hostileMc('x'.repeat(400), 'f'.repeat(100)) }));
    expect(facts.bmc).toEqual({
      channel: 1,
      ip_source: 'static',
      vlan: null,
      manufacturer: 'x'.repeat(256),
      manufacturer_id: 674,
      product_id: 256,
      firmware: 'f'.repeat(64),
      ipmi_version: '2.0',
    });
    expect(existsSync(mark())).toBe(false);
  });

  it('When the real installer commands run without a fake, then this machine (no IPMI device here) reports no bmc', async () => {
    const facts = await gather({ ...ws.env, KICKSTAND_DEV: path.join(root, 'no-dev'), KICKSTAND_LINK_WAIT: '1' }, { binDir: bin.binDir });
    expect(facts).not.toHaveProperty('bmc');
  });
});

describe('the whole way: the %pre the service serves, the facts it uploads, the BMC it gets', () => {
  it('When the stub’s %pre runs on a machine with a Dell BMC inside KICKSTAND_BMC_NETWORKS, then the host registers with facts.bmc and that BMC address', async () => {
    const srv = await startTestServer({ env: { KICKSTAND_BMC_NETWORKS: '10.1.0.0/16' } });
    const pre = await preWorkspace(
      extractPre(await (await fetch(`${srv.url}/ks`)).text()),
      'inst.ks=http://127.0.0.1/ks kickstand.deadline=60',
    );
    const run = runPre(pre.script, fake.binDir, { ...(await machine(DELL)), ...pre.env });
    try {
      const auth = { Authorization: `Bearer ${srv.adminToken}` };
      let hosts: Json[] = [];
      // Until it has registered (it then polls, waiting for an assignment); bounded by tries, not time.
      for (let i = 0; i < 100 && !hosts.length; i++) {
        hosts = ((await (await fetch(`${srv.url}/api/v1/hosts`, { headers: auth })).json()) as { hosts: Json[] }).hosts;
        if (!hosts.length) await new Promise((r) => setTimeout(r, 200));
      }
      expect(hosts, run.stderr()).toHaveLength(1);
      const host = (await (await fetch(`${srv.url}/api/v1/hosts/${hosts[0]!.id}`, { headers: auth })).json()) as Json;
      expect(host.facts.bmc).toMatchObject({ channel: 1, ip: '10.1.20.31', manufacturer_id: 674 });
      expect(host.summary.bmc_ip).toBe('10.1.20.31');
      expect(host.bmc).toMatchObject({ driver: 'ipmi', address: '10.1.20.31', address_source: 'facts' });
    } finally {
      run.child.kill('SIGTERM');
      await exitOf(run);
      await pre.cleanup();
      await srv.stop();
    }
  });
});
