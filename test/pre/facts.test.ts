// The facts gatherer on this very machine (restricted to the installer's commands), on a fabricated
// sysfs for what this machine lacks (DMI, Secure Boot, ports to probe), and the static rules of the
// %pre: allowed commands only, no line pykickstart would read as a section, valid bash.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsSchema } from '../../src/schemas/facts.js';
import { defaultRouteDev, extractPre, machineFacts, renderStub, runSourced, sourcedPre, type PreWorkspace } from '../support/pre-script.js';
import { allowedTools, hostBash, makeRestrictedPath, type RestrictedPath } from '../support/restricted-path.js';

const validateFacts = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(factsSchema);
const SCRIPT_FILES = ['json.sh', 'facts.sh', 'unstage.sh', 'stage.sh', 'pre.sh'].map((f) => path.resolve('kickstarts/discovery', f));

type Json = Record<string, any>;

let bin: RestrictedPath;
let ws: PreWorkspace;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ ws, bin, cleanup } = await sourcedPre());
});
afterAll(() => cleanup());

async function gather(binDir: string, env: Record<string, string>): Promise<{ facts: Json; stderr: string }> {
  const res = await runSourced(ws.script, 'gather_facts', binDir, env);
  expect(res.stderr).not.toMatch(/command not found|No such file|syntax error|unbound variable/);
  expect(res.code).toBe(0);
  const facts = JSON.parse(res.stdout.toString('utf8')) as Json;
  const valid = validateFacts(facts);
  expect(validateFacts.errors ?? [], JSON.stringify(facts)).toEqual([]);
  expect(valid).toBe(true);
  return { facts, stderr: res.stderr };
}

describe('facts of this machine', () => {
  let facts: Json;
  let stderr: string;
  beforeAll(async () => {
    ({ facts, stderr } = await gather(bin.binDir, ws.env));
  });

  it('When gathered with only the installer commands, then the upload validates against the facts schema', () => {
    expect(facts.format).toBe(1);
    expect(stderr).not.toMatch(/command not found/);
  });

  it('When gathered, then every NIC but lo is listed with its name and MAC from /sys/class/net', () => {
    const expected = machineFacts().nics;
    expect(facts.nics.map((n: Json) => ({ name: n.name, mac: n.mac }))).toEqual(expected);
    for (const nic of facts.nics) {
      const mtu = Number(readFileSync(`/sys/class/net/${nic.name}/mtu`, 'utf8'));
      expect(nic.mtu).toBe(mtu);
      expect(nic.state).toBe(readFileSync(`/sys/class/net/${nic.name}/operstate`, 'utf8').trim());
    }
  });

  it('When gathered, then the boot MAC is the default route NIC and only that NIC has boot: true', () => {
    const dev = defaultRouteDev();
    const expectedNic = dev ? facts.nics.find((n: Json) => n.name === dev) : facts.nics[0];
    expect(facts.boot_mac).toBe(expectedNic.mac);
    expect(facts.nics.filter((n: Json) => n.boot).map((n: Json) => n.name)).toEqual([expectedNic.name]);
  });

  it('When gathered, then addresses are the CIDRs `ip` reports', () => {
    const out = execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' });
    for (const nic of facts.nics) {
      const v4 = [...out.matchAll(new RegExp(`^\\d+: ${nic.name}\\s+inet (\\S+)`, 'gm'))].map((m) => m[1]);
      const v6 = [...out.matchAll(new RegExp(`^\\d+: ${nic.name}\\s+inet6 (\\S+)`, 'gm'))].map((m) => m[1]);
      expect(nic.ipv4).toEqual(v4);
      expect(nic.ipv6).toEqual(v6);
    }
  });

  it('When gathered, then memory, arch, kernel and disks match /proc/meminfo, uname and lsblk', () => {
    const machine = machineFacts();
    expect(facts.memory_mib).toBe(machine.memoryMib);
    expect(facts.arch).toBe(machine.arch);
    expect(facts.kernel.release).toBe(execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    expect(facts.disks.map((d: Json) => d.name)).toEqual(machine.disks);
    for (const disk of facts.disks) {
      const size = Number(readFileSync(`/sys/block/${disk.name}/size`, 'utf8')) * 512;
      expect(disk.size_bytes).toBe(size);
    }
  });

  it('When gathered, then the CPU counts agree with the online CPUs and flags are only the interesting ones', () => {
    const online = execFileSync('lscpu', ['-p=CPU'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^\d/.test(l)).length;
    expect(facts.cpu.threads).toBe(online);
    expect(facts.cpu.cores).toBeGreaterThan(0);
    expect(facts.cpu.cores).toBeLessThanOrEqual(online);
    const cpuinfoFlags = new Set((/^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').split(/\s+/));
    for (const flag of facts.cpu.flags) expect(cpuinfoFlags.has(flag), flag).toBe(true);
    expect(facts.cpu.flags.length).toBeLessThan(60);
  });

  it('When kexec is not on PATH, then kexec.available is false; when the stub is, then true with its path', async () => {
    // bin has the recording kexec stub: "available" must follow `command -v`.
    expect(facts.kexec).toEqual({ available: true, path: path.join(bin.binDir, 'kexec') });
    const bare = await makeRestrictedPath({ without: ['kexec'] });
    try {
      const { facts: without } = await gather(bare.binDir, ws.env);
      expect(without.kexec).toEqual({ available: false });
    } finally {
      await bare.cleanup();
    }
  });

  it('When the cmdline file is read, then kernel.cmdline carries it', () => {
    expect(facts.kernel.cmdline).toBe(readFileSync(ws.cmdline, 'utf8').trim());
  });
});

/** A fabricated sysfs: two physical ports (one down), DMI with hostile strings, UEFI with Secure Boot. */
async function fakeSysfs(root: string, opts: { secureBoot: number; setupMode: number }) {
  const w = async (rel: string, content: string | Buffer) => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  };
  const pci = (addr: string) => `devices/pci0000:00/${addr}`;
  for (const [name, mac, addr, driver, flags, carrier, speed, operstate] of [
    ['eno1', 'AA:BB:CC:00:00:01', '0000:00:1f.6', 'e1000e', '0x1003', '1', '1000', 'up'],
    ['eno2', 'aa:bb:cc:00:00:02', '0000:3b:00.1', 'ixgbe', '0x1002', '1', '10000', 'down'],
    ['eno3', 'aa:bb:cc:00:00:03', '0000:3b:00.2', 'ixgbe', '0x1002', null, '-1', 'down'],
  ] as const) {
    await mkdir(path.join(root, pci(addr)), { recursive: true });
    await mkdir(path.join(root, 'bus/pci/drivers', driver), { recursive: true });
    await symlink(path.join(root, 'bus/pci/drivers', driver), path.join(root, pci(addr), 'driver')).catch(() => undefined);
    await w(`class/net/${name}/address`, `${mac}\n`);
    await w(`class/net/${name}/type`, '1\n');
    await w(`class/net/${name}/flags`, `${flags}\n`);
    await w(`class/net/${name}/operstate`, `${operstate}\n`);
    await w(`class/net/${name}/mtu`, '9000\n');
    await w(`class/net/${name}/speed`, `${speed}\n`);
    if (carrier !== null) await w(`class/net/${name}/carrier`, `${carrier}\n`);
    await symlink(path.join(root, pci(addr)), path.join(root, `class/net/${name}/device`));
  }
  // A virtual interface: no device link, so never brought up; a tunnel without a MAC is skipped.
  await w('class/net/bond0/address', 'aa:bb:cc:00:00:09\n');
  await w('class/net/bond0/flags', '0x1002\n');
  await w('class/net/sit0/address', '00:00:00:00\n');
  await w('class/net/bonding_masters', 'bond0\n');
  const dmi: Record<string, string | Buffer> = {
    sys_vendor: 'Dell Inc.',
    product_name: 'PowerEdge "R650" \\ $(reboot)',
    product_serial: 'To be filled by O.E.M.',
    product_uuid: '4c4c4544-0042-3510-8052-b4c04f4d3233',
    chassis_type: '23',
    bios_vendor: Buffer.from([0x41, 0xff, 0x42, 0x0a]), // invalid UTF-8 from a careless firmware
    board_name: 'x'.repeat(300),
    chassis_asset_tag: '   ',
  };
  for (const [file, value] of Object.entries(dmi)) await w(`class/dmi/id/${file}`, typeof value === 'string' ? `${value}\n` : value);
  const guid = '8be4df61-93ca-11d2-aa0d-00e098032b8c';
  await w(`firmware/efi/efivars/SecureBoot-${guid}`, Buffer.from([6, 0, 0, 0, opts.secureBoot]));
  await w(`firmware/efi/efivars/SetupMode-${guid}`, Buffer.from([6, 0, 0, 0, opts.setupMode]));
}

// `ip` answers like a machine whose default route is on eno1, and records every call.
const FAKE_IP = `
case "$*" in
  *'route show default'*) [[ $1 == -4 ]] && echo 'default via 192.0.2.1 dev eno1 proto dhcp src 192.0.2.50 metric 100' ;;
  *'addr show'*) echo '2: eno1    inet 192.0.2.50/24 brd 192.0.2.255 scope global dynamic eno1\\       valid_lft 3000sec preferred_lft 3000sec'
                 echo '2: eno1    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever' ;;
esac
exit 0`;

describe('facts from a fabricated sysfs', () => {
  let fake: RestrictedPath;
  beforeAll(async () => {
    fake = await makeRestrictedPath({ stubs: { ip: FAKE_IP } });
  });
  afterAll(() => fake.cleanup());

  async function run(sb: { secureBoot: number; setupMode: number }, cmdline?: string) {
    const root = path.join(ws.dir, `sys-${Math.random().toString(36).slice(2)}`);
    await fakeSysfs(root, sb);
    const cmdFile = path.join(root, 'cmdline');
    await writeFile(cmdFile, `${cmdline ?? 'inst.ks=http://127.0.0.1/ks'}\n`);
    await writeFile(fake.recordFile('ip'), '');
    return gather(fake.binDir, { ...ws.env, KICKSTAND_SYSFS: root, KICKSTAND_CMDLINE: cmdFile, KICKSTAND_LINK_WAIT: '1' });
  }

  it('When NICs have sysfs details, then driver, PCI address, speed, carrier, MTU and addresses are reported', async () => {
    const { facts } = await run({ secureBoot: 1, setupMode: 0 });
    expect(facts.nics.map((n: Json) => n.name)).toEqual(['bond0', 'eno1', 'eno2', 'eno3']);
    const eno1 = facts.nics.find((n: Json) => n.name === 'eno1');
    expect(eno1).toEqual({
      name: 'eno1',
      mac: 'aa:bb:cc:00:00:01',
      state: 'up',
      carrier: true,
      speed_mbps: 1000,
      driver: 'e1000e',
      pci: '0000:00:1f.6',
      mtu: 9000,
      ipv4: ['192.0.2.50/24'],
      ipv6: ['fe80::1/64'],
      boot: true,
    });
    const eno3 = facts.nics.find((n: Json) => n.name === 'eno3');
    expect(eno3).toMatchObject({ carrier: null, speed_mbps: null, state: 'down', boot: false });
    expect(facts.boot_mac).toBe('aa:bb:cc:00:00:01');
  });

  it('When ports are down, then physical ones are brought up for the probe and down again, never the default route NIC', async () => {
    await run({ secureBoot: 1, setupMode: 0 });
    const calls = (await fake.calls('ip')).filter((c) => c[0] === 'link');
    expect(calls).toEqual([
      ['link', 'set', 'dev', 'eno2', 'up'],
      ['link', 'set', 'dev', 'eno3', 'up'],
      ['link', 'set', 'dev', 'eno2', 'down'],
      ['link', 'set', 'dev', 'eno3', 'down'],
    ]);
  });

  it('When BOOTIF names a NIC, then it is the boot MAC and that NIC is not touched either', async () => {
    const { facts } = await run({ secureBoot: 1, setupMode: 0 }, 'inst.ks=http://x/ks BOOTIF=01-AA-BB-CC-00-00-02');
    expect(facts.boot_mac).toBe('aa:bb:cc:00:00:02');
    expect(facts.nics.filter((n: Json) => n.boot).map((n: Json) => n.name)).toEqual(['eno2']);
    const touched = (await fake.calls('ip')).filter((c) => c[0] === 'link').map((c) => c[3]);
    expect(new Set(touched)).toEqual(new Set(['eno3']));
  });

  it('When BOOTIF names no NIC, then the default route NIC is the boot MAC', async () => {
    const { facts } = await run({ secureBoot: 1, setupMode: 0 }, 'BOOTIF=01-de-ad-be-ef-00-01');
    expect(facts.boot_mac).toBe('aa:bb:cc:00:00:01');
  });

  it('When DMI strings are hostile, then they arrive intact or replaced, cut to the schema, and chassis_type is named', async () => {
    const { facts } = await run({ secureBoot: 1, setupMode: 0 });
    expect(facts.dmi.vendor).toBe('Dell Inc.');
    expect(facts.dmi.product).toBe('PowerEdge "R650" \\ $(reboot)');
    expect(facts.dmi.serial).toBe('To be filled by O.E.M.');
    expect(facts.dmi.uuid).toBe('4c4c4544-0042-3510-8052-b4c04f4d3233');
    expect(facts.dmi.chassis_type).toBe('Rack Mount Chassis');
    expect(facts.dmi.bios_vendor).toBe('A\ufffdB');
    expect(facts.dmi.board_product).toBe('x'.repeat(256));
    expect(facts.dmi).not.toHaveProperty('chassis_asset_tag'); // blank: left out, not ""
  });

  it('When SecureBoot is 1 and SetupMode 0, then secure_boot is true; in setup mode or off, false', async () => {
    expect((await run({ secureBoot: 1, setupMode: 0 })).facts.firmware).toEqual({ type: 'uefi', secure_boot: true });
    expect((await run({ secureBoot: 1, setupMode: 1 })).facts.firmware).toEqual({ type: 'uefi', secure_boot: false });
    expect((await run({ secureBoot: 0, setupMode: 0 })).facts.firmware).toEqual({ type: 'uefi', secure_boot: false });
  });

  it('When the kernel is locked down, then kernel.lockdown is the bracketed mode; the stage fact lists what this PATH lacks for UEFI', async () => {
    const root = path.join(ws.dir, `sys-${Math.random().toString(36).slice(2)}`);
    await fakeSysfs(root, { secureBoot: 1, setupMode: 0 });
    await mkdir(path.join(root, 'kernel/security'), { recursive: true });
    await writeFile(path.join(root, 'kernel/security/lockdown'), 'none [integrity] confidentiality\n');
    await writeFile(fake.recordFile('ip'), '');
    const { facts } = await gather(fake.binDir, { ...ws.env, KICKSTAND_SYSFS: root, KICKSTAND_LINK_WAIT: '1' });
    expect(facts.kernel.lockdown).toBe('integrity');
    // efibootmgr, sgdisk, sfdisk and mkfs.vfat are recording stubs on every test PATH: present.
    expect(facts.stage).toEqual({ available: true });
    expect((await run({ secureBoot: 1, setupMode: 0 })).facts.kernel.lockdown).toBeUndefined();
  });
});

describe('static rules of the %pre', () => {
  const stub = renderStub("http://192.0.2.10:8080/it's");
  const body = extractPre(stub);

  it('When the stub is rendered, then it holds only comments, the %pre and the %include', () => {
    const outside = stub.split(body)[0]!.split('\n').concat(stub.split(body)[1]!.split('\n'));
    const sections = outside.filter((l) => l.startsWith('%'));
    expect(sections).toEqual(['%pre --interpreter=/bin/bash --log=/tmp/kickstand-pre.log', '%end', '%include /tmp/kickstand.ks']);
    for (const line of outside) expect(line, line).toMatch(/^(#.*|%.*|)$/);
  });

  it('When the stub is rendered, then the %pre is the shell files verbatim after the URL line', () => {
    const files = SCRIPT_FILES.map((f) => readFileSync(f, 'utf8'));
    // The LLDP wait: the service's setting (35 when rendered without one), an environment value first (tests).
    expect(body).toBe(`KICKSTAND_URL='http://192.0.2.10:8080/it'\\''s'\n: "\${KICKSTAND_LLDP_WAIT:=35}"\n${files.join('')}`);
  });

  it('When any line of the %pre is read by pykickstart, then none starts with % (it would open or close a section)', () => {
    const offending = body.split('\n').filter((l) => /^\s*%/.test(l));
    expect(offending).toEqual([]);
  });

  it('When bash parses the %pre, then it is valid (bash -n)', () => {
    const file = path.join(ws.dir, 'syntax-check.sh');
    return writeFile(file, body).then(() => {
      expect(() => execFileSync(hostBash(), ['-n', file], { stdio: 'pipe' })).not.toThrow();
    });
  });

  it('When bash reads the functions, then every command they call is a builtin, a function or on the installer list', async () => {
    const { required, optional } = allowedTools();
    const allowed = new Set([...required, ...optional, ...SHELL_WORDS]);
    const res = await runSourced(
      ws.script,
      'declare -F | while read -r _ _ f; do printf "%s\\n" "$f"; done; printf "\\n"; declare -f',
      bin.binDir,
      ws.env,
    );
    const [names, bodies] = res.stdout.toString('utf8').split('\n\n');
    const functions = new Set(names!.split('\n'));
    expect(functions).toContain('gather_facts');
    const used = commandWords(bodies!);
    expect(used.size).toBeGreaterThan(30); // the scanner does see commands
    expect(used).toContain('lsblk');
    const outside = [...used].filter((w) => !allowed.has(w) && !functions.has(w));
    expect(outside).toEqual([]);
  });

  it('When the shell files are grepped, then no forbidden command appears in command position', () => {
    const { forbidden } = allowedTools();
    expect(forbidden).toEqual(expect.arrayContaining(['jq', 'timeout', 'base64', 'nproc', 'getent', 'file', 'lsusb', 'openvt', 'lshw']));
    for (const file of SCRIPT_FILES) {
      const code = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => !/^\s*#/.test(l))
        .join('\n');
      for (const name of [...forbidden, 'printf/test/[']) {
        if (name.includes('/')) continue;
        const asCommand = new RegExp(
          `(^|[;&|({\`]|\\$\\(|\\b(?:then|do|else|if|while|until|command|exec|env|xargs)\\s)\\s*${name}(\\s|$|;|\\))`,
          'm',
        );
        expect(code, `${name} in ${path.basename(file)}`).not.toMatch(asCommand);
      }
      // The printf and test binaries are absent: reach them only as builtins.
      expect(code).not.toMatch(/\b(?:env|command|xargs|exec)\s+(?:printf|test|\[)\b/);
      expect(code).not.toMatch(/\/usr\/bin\/(?:printf|test|\[)/);
    }
  });

  it('When the shell files are scanned, then optional commands are only used behind command -v', async () => {
    const { optional } = allowedTools();
    for (const file of SCRIPT_FILES) {
      const text = readFileSync(file, 'utf8');
      for (const name of optional) {
        if (!new RegExp(`\\b${name}\\b`).test(text)) continue;
        expect(text, `${name} in ${file}`).toMatch(new RegExp(`command -v ${name}\\b`));
      }
    }
  });
});

// Builtins and keywords: what needs no binary.
const SHELL_WORDS = (
  'if then else elif fi case esac for while until do done in function select time ! [[ (( { } ' +
  'local declare export readonly return exit break continue shift set shopt trap exec eval source . : ' +
  'read printf echo true false test [ cd pwd command type unset let wait kill umask ulimit getopts hash builtin'
).split(' ');

/**
 * The words in command position in `declare -f` output (bash's own normalised print of the functions:
 * one command a line, continuations joined, case patterns on lines of their own).
 */
function commandWords(bodies: string): Set<string> {
  const words = new Set<string>();
  let inCasePatterns = false;
  for (const raw of bodies.split('\n')) {
    const line = raw.trim();
    // Case patterns follow "case … in" and ";;"; they are words, not commands.
    if (inCasePatterns && line.endsWith(')')) {
      inCasePatterns = false;
      continue;
    }
    inCasePatterns = /^case .* in$/.test(line) || line === ';;';
    // Commands inside $( … ) and <( … ), also within double quotes.
    for (const m of line.matchAll(/[$<]\((?!\()\s*((?:[A-Za-z_]\w*=\S*\s+)*)([\w.[-]+)/g)) words.add(m[2]!);
    let code = line.replace(/\{\w+\}(?=[<>])/g, 'FD'); // exec {fd}>file
    // ${…} expansions (nested ones too) hold braces and quotes that are neither groups nor strings.
    for (let before = ''; before !== code;) [before, code] = [code, code.replace(/\$\{[^{}]*\}/g, '$V')];
    code = code
      .replace(/'[^']*'/g, "''")
      .replace(/"(?:[^"\\]|\\.)*"/g, '""')
      .replace(/\$\(\(.*?\)\)/g, '$V')
      .replace(/\[\[.*?\]\]/g, '[[ ]]')
      .replace(/\(\(.*?\)\)/g, '(( ))');
    for (let segment of code.split(/&&|\|\||\||;|\{|\}|[$<]\((?!\()/)) {
      segment = segment.trim().replace(/^(?:(?:then|do|else|elif|if|while|until|!|time)\s+)+/, '');
      segment = segment.replace(/^(?:[A-Za-z_]\w*(?:\[[^\]]*\])?\+?=\S*\s*)+/, ''); // VAR=value prefixes
      if (/^(?:local|declare|export|for|case|function)\b/.test(segment) || /^[^\s]*\(\)/.test(segment)) continue;
      const word = /^([\w.[-]+)/.exec(segment)?.[1];
      if (word && !/^\d+$/.test(word) && !segment.startsWith('(')) words.add(word);
    }
  }
  return words;
}
