// The %pre's own LLDP listener (facts.sh lldp_start/lldp_collect and its python3 program) for real: in
// a network and mount namespace of the test's own (unshare), a veth pair stands for the NIC and the
// switch port; the "switch" end sends LLDPDUs built here, byte by byte, and gather_facts, under the
// installer's commands, must report the neighbour on the other end. docs/discovery.md#inventory-facts-pci-devices-nic-firmware-memory-modules-tpm-lldp-neighbours#lldp.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsSchema, LIMITS } from '../../src/schemas/facts.js';
import { preEnv, sourcedPre, type PreWorkspace } from '../support/pre-script.js';
import { hostBash, whichOnHost, type RestrictedPath } from '../support/restricted-path.js';
import { startTestServer } from '../support/server.js';

const validateFacts = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(factsSchema);
type Json = Record<string, any>;

// The "switch": sends the LLDPDUs given as hex arguments on IFACE, one after the other, every 0.2 s,
// until killed. Frames are complete Ethernet frames (destination, source, ethertype, TLVs).
const SWITCH_PY = `
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frames = [bytes.fromhex(h) for h in sys.argv[2:]]
while True:
    for f in frames:
        s.send(f)
    time.sleep(0.2)
`;

/** One TLV: 7-bit type, 9-bit length, value. */
function tlv(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE((type << 9) | value.length);
  return Buffer.concat([head, value]);
}
const sub = (subtype: number, value: Buffer | string) => Buffer.concat([Buffer.from([subtype]), Buffer.from(value)]);
const LLDP_GROUP = Buffer.from('0180c200000e', 'hex');
const SWITCH_MAC = Buffer.from('020000aabbcc', 'hex');

/** An LLDPDU as a switch sends it: chassis id, port id, TTL, then the optional TLVs, then End. */
function lldpdu(opts: {
  dst?: Buffer;
  ethertype?: number;
  chassis?: Buffer;
  port?: Buffer;
  portDescription?: Buffer | string;
  systemName?: Buffer | string;
  mgmt?: Buffer;
  pvid?: number;
  truncate?: number;
}): string {
  const ethertype = Buffer.alloc(2);
  ethertype.writeUInt16BE(opts.ethertype ?? 0x88cc);
  const parts = [opts.dst ?? LLDP_GROUP, SWITCH_MAC, ethertype];
  parts.push(tlv(1, opts.chassis ?? sub(4, SWITCH_MAC)));
  parts.push(tlv(2, opts.port ?? sub(5, 'Ethernet12')));
  parts.push(tlv(3, Buffer.from([0, 120])));
  if (opts.portDescription !== undefined) parts.push(tlv(4, Buffer.from(opts.portDescription)));
  if (opts.systemName !== undefined) parts.push(tlv(5, Buffer.from(opts.systemName)));
  if (opts.mgmt) parts.push(tlv(8, opts.mgmt));
  if (opts.pvid !== undefined) {
    const v = Buffer.from([0x00, 0x80, 0xc2, 0x01, 0, 0]);
    v.writeUInt16BE(opts.pvid, 4);
    parts.push(tlv(127, v));
  }
  parts.push(tlv(0, Buffer.alloc(0)));
  const frame = Buffer.concat(parts);
  return frame.subarray(0, opts.truncate ?? frame.length).toString('hex');
}

/** Management Address TLV value for an IPv4 address (interface numbering: ifIndex 1, no OID). */
function mgmtIpv4(ip: string): Buffer {
  const addr = Buffer.from(ip.split('.').map(Number));
  return Buffer.concat([Buffer.from([addr.length + 1, 1]), addr, Buffer.from([2, 0, 0, 0, 1, 0])]);
}

let ws: PreWorkspace;
let bin: RestrictedPath;
let cleanup: () => Promise<void>;
let root: string;
const tools = {
  unshare: whichOnHost('unshare'),
  nsenter: whichOnHost('nsenter'),
  ip: whichOnHost('ip'),
  python3: whichOnHost('python3'),
  mount: whichOnHost('mount'),
};

beforeAll(async () => {
  ({ ws, bin, cleanup } = await sourcedPre());
  root = await mkdtemp(path.join(os.tmpdir(), 'kickstand-lldp-'));
  await writeFile(path.join(root, 'switch.py'), SWITCH_PY);
});
afterAll(async () => {
  await cleanup();
  await rm(root, { recursive: true, force: true });
});

/**
 * In a fresh network and mount namespace: veth kick0 (the machine's NIC) ↔ sw0 (the switch port, in a
 * namespace of its own), both up; sysfs mounted anew so /sys/class/net shows this namespace's NICs; the
 * switch sending `frames` on sw0 (none: silent);
 * then the real gather_facts under the installer's PATH with KICKSTAND_LLDP_WAIT=`wait`.
 */
async function gatherInNetns(frames: string[], wait: number): Promise<{ facts: Json; stderr: string }> {
  const sys = await mkdtemp(path.join(root, 'sys-'));
  const runner = path.join(root, `runner-${Math.random().toString(36).slice(2)}.sh`);
  await writeFile(
    runner,
    [
      'set -e',
      `${tools.mount} -t sysfs sysfs '${sys}'`,
      `${tools.ip} link set lo up`,
      // The switch port lives in a namespace of its own, as a switch would: the machine sees only kick0.
      `${tools.unshare} --net -- sleep 600 &`,
      'switch=$!',
      `until [ "$(readlink /proc/$switch/ns/net)" != "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done`,
      `${tools.ip} link add kick0 type veth peer name sw0`,
      `${tools.ip} link set sw0 netns "$switch"`,
      `${tools.nsenter} --net=/proc/$switch/ns/net ${tools.ip} link set sw0 up`,
      `${tools.ip} link set kick0 up`,
      frames.length ? `${tools.nsenter} --net=/proc/$switch/ns/net ${tools.python3} '${root}/switch.py' sw0 ${frames.join(' ')} &` : ':',
      'sender=$!',
      'set +e',
      `export PATH='${bin.binDir}'`,
      'KICKSTAND_SOURCE_ONLY=1',
      `source '${ws.script}' || exit 99`,
      'gather_facts',
      'rc=$?',
      'kill "$sender" "$switch" 2>/dev/null',
      'exit $rc',
      '',
    ].join('\n'),
  );
  const env = preEnv(bin.binDir, { ...ws.env, KICKSTAND_SYSFS: sys, KICKSTAND_LINK_WAIT: '2', KICKSTAND_LLDP_WAIT: String(wait) });
  const child = spawn(tools.unshare!, ['--net', '--mount', '--', hostBash(), runner], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(err).not.toMatch(/command not found|syntax error|unbound variable|Traceback/);
  expect(code, err).toBe(0);
  const facts = JSON.parse(out) as Json;
  expect(validateFacts(facts), JSON.stringify(validateFacts.errors)).toBe(true);
  return { facts, stderr: err };
}

const nic = (facts: Json, name: string): Json => facts.nics.find((n: Json) => n.name === name);
const canNetns = process.getuid?.() === 0 && Object.values(tools).every(Boolean);

// No silent skip: the suite runs as root with the tools test-packages installs (README); anywhere else
// this says what is missing instead of passing.
it('When the LLDP tests run, then they can make network namespaces and veth pairs (root, unshare, ip, python3)', () => {
  expect(canNetns, `needs root and ${Object.keys(tools).join(', ')}`).toBe(true);
});

describe.skipIf(!canNetns)('LLDP heard by the %pre’s own listener on a veth pair', () => {
  it('When the switch sends an LLDPDU, then the NIC’s lldp has chassis MAC, system name, port, description, VLAN and management address', async () => {
    const frame = lldpdu({ systemName: 'leaf-12', portDescription: 'rack 12 U07 server', mgmt: mgmtIpv4('10.0.0.12'), pvid: 100 });
    const { facts } = await gatherInNetns([frame], 30);
    expect(nic(facts, 'kick0').lldp).toEqual({
      chassis_id: '02:00:00:aa:bb:cc',
      switch: 'leaf-12',
      port: 'Ethernet12',
      port_description: 'rack 12 U07 server',
      vlan: 100,
      mgmt_ip: '10.0.0.12',
      source: 'capture',
    });
  });

  it('When frames that are not LLDPDUs come first (other group, other ethertype, cut short), then they are passed over for the real one', async () => {
    const frames = [
      lldpdu({ dst: Buffer.from('ffffffffffff', 'hex'), systemName: 'broadcast' }),
      lldpdu({ ethertype: 0x0800, systemName: 'ipv4' }),
      lldpdu({ systemName: 'cut', truncate: 16 }),
      lldpdu({ systemName: 'spine-1', port: sub(3, Buffer.from('020000000007', 'hex')) }),
    ];
    const { facts } = await gatherInNetns(frames, 30);
    expect(nic(facts, 'kick0').lldp).toEqual({
      chassis_id: '02:00:00:aa:bb:cc',
      switch: 'spine-1',
      port: '02:00:00:00:00:07',
      vlan: null,
      source: 'capture',
    });
  });

  it('When the LLDPDU is hostile (quotes, $( ), newlines, NUL, invalid UTF-8, 500 bytes, VLAN 4095), then the values are inert, capped and in shape', async () => {
    const mark = path.join(root, 'pwned');
    const name = Buffer.concat([
      Buffer.from(`leaf"$(touch ${mark})\`touch ${mark}\`\n\r\x1b[2J`),
      Buffer.from([0xff, 0xfe, 0x00, 0x41]),
      Buffer.from('x'.repeat(400)),
    ]);
    const frame = lldpdu({
      chassis: sub(7, Buffer.from('chassis\x00\ttab"quote')),
      port: sub(5, `'; touch ${mark}; '`),
      systemName: name,
      portDescription: 'line1\nline2',
      mgmt: Buffer.from([5, 1, 10, 0, 0]), // says 4 address bytes, has 2
      pvid: 4095,
    });
    const { facts } = await gatherInNetns([frame], 30);
    const lldp = nic(facts, 'kick0').lldp;
    expect(lldp).toMatchObject({
      chassis_id: 'chassis\ttab"quote',
      port: `'; touch ${mark}; '`,
      port_description: 'line1\nline2',
      vlan: null,
      source: 'capture',
    });
    expect(lldp).not.toHaveProperty('mgmt_ip');
    expect(lldp.switch.startsWith(`leaf"$(touch ${mark})\`touch ${mark}\`\n\r\x1b[2J\ufffd\ufffdA`)).toBe(true);
    expect(Buffer.byteLength(lldp.switch)).toBeLessThanOrEqual(LIMITS.shortString * 3);
    expect(lldp.switch.length).toBeLessThanOrEqual(LIMITS.shortString);
    expect(existsSync(mark)).toBe(false);
  });

  it('When no LLDPDU comes, then the listener gives up at the wait and the facts go without lldp', async () => {
    const { facts } = await gatherInNetns([], 2);
    expect(facts.nics.map((n: Json) => n.name)).toEqual(['kick0']);
    for (const n of facts.nics) expect(n).not.toHaveProperty('lldp');
  });

  it('When KICKSTAND_LLDP_WAIT is 0, then nobody listens: the switch’s LLDPDU is not reported', async () => {
    const { facts } = await gatherInNetns([lldpdu({ systemName: 'leaf-12' })], 0);
    expect(nic(facts, 'kick0')).not.toHaveProperty('lldp');
  });

  it('When the captured facts register, then the host’s lldp.switch and summary show the boot NIC’s neighbour', async () => {
    const { facts } = await gatherInNetns([lldpdu({ systemName: 'leaf-12', pvid: 7 })], 30);
    expect(facts.boot_mac).toBe(nic(facts, 'kick0').mac);
    const srv = await startTestServer();
    try {
      const res = await fetch(`${srv.url}/api/v1/discovery`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(facts),
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const host = (await (
        await fetch(`${srv.url}/api/v1/hosts/${id}`, { headers: { Authorization: `Bearer ${srv.adminToken}` } })
      ).json()) as Json;
      expect(host.facts.lldp).toMatchObject({ switch: 'leaf-12', port: 'Ethernet12', vlan: 7, source: 'capture' });
      expect(host.summary).toMatchObject({ lldp_switch: 'leaf-12', lldp_port: 'Ethernet12' });
    } finally {
      await srv.stop();
    }
  });
});

describe('the stub renders the service’s LLDP wait', () => {
  it('When KICKSTAND_LLDP_WAIT=0 is set on the service, then GET /ks carries it to the %pre (the environment can still override)', async () => {
    const srv = await startTestServer({ env: { KICKSTAND_LLDP_WAIT: '0' } });
    try {
      const stub = await (await fetch(`${srv.url}/ks`)).text();
      expect(stub).toContain('\n: "${KICKSTAND_LLDP_WAIT:=0}"\n');
    } finally {
      await srv.stop();
    }
  });

  it('When no wait is configured, then the stub says 35 (LLDP’s default interval is 30 s)', async () => {
    const srv = await startTestServer();
    try {
      expect(await (await fetch(`${srv.url}/ks`)).text()).toContain('\n: "${KICKSTAND_LLDP_WAIT:=35}"\n');
    } finally {
      await srv.stop();
    }
  });
});
