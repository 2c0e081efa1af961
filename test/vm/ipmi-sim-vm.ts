// A VM behind a real IPMI BMC: OpenIPMI's `ipmi_sim` (Debian's openipmi) on 127.0.0.1 with a LAN
// channel for RMCP+ (what Kickstand's ipmitool driver talks to) and channel 15, the system interface,
// as OpenIPMI's "VM" serial codec, which qemu's ipmi-bmc-extern connects to; the VM's kernel sees the
// BMC as an ISA KCS interface (isa-ipmi-kcs → ipmi_si → /dev/ipmi0). ipmi_sim owns the VM as a real
// BMC owns its machine: its `startcmd` starts qemu on power on, and power off asks the VM through the
// codec to stop (qemu exits), then kills it after `poweroff_wait`. That is OpenIPMI's documented VM
// set-up (lanserv/README.vm); the files here are written for this test, not copied from it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/service-process.js';

const run = promisify(execFile);

/** What the BMC's LAN channel (1) says about itself; its lan_config_program answers these. The address
 *  is what a BMC on a real network would have; ipmi_sim itself answers on 127.0.0.1 (`port`). */
export const BMC_LAN = {
  channel: 1,
  ipSource: 'static',
  ip: '192.0.2.51',
  netmask: '255.255.255.0',
  gateway: '192.0.2.1',
  mac: '02:4b:53:00:00:51',
};

/** The BMC's Get Device ID: the emu file's `mc_add` (all hex there). ipmitool prints the manufacturer
 *  ID in decimal and the firmware revision as major.minor with the minor in BCD. */
export const BMC_MC = { manufacturerId: 0x1291, firmware: '2.17', firmwareMajor: 2, firmwareMinor: 0x17 };

export const BMC_USER = 'kickstand';

export interface IpmiSimVm {
  /** ipmi_sim's LAN (RMCP+, UDP) port on 127.0.0.1. */
  port: number;
  username: string;
  password: string;
  /** Every boot's serial console and qemu's messages, appended; each boot starts with a `power on` line. */
  console(): string;
  /** The first match in the console from `from` on (a length of console()); rejects after `ms`. */
  waitFor(pattern: RegExp, ms: number, from?: number): Promise<RegExpMatchArray>;
  /** The pids of every qemu ipmi_sim started, in order (from the start script's `power on` lines). */
  boots(): number[];
  /** The running qemu's pid, or undefined when the VM is off. */
  running(): number | undefined;
  /** Resolves once `pid` has ended (ipmi_sim reaps it); rejects after `ms`. */
  waitGone(pid: number, ms: number): Promise<void>;
  /** Resolves with the pid of boot number `n` (1-based) once ipmi_sim started it; rejects after `ms`. */
  waitBoot(n: number, ms: number): Promise<number>;
  /** ipmi_sim's own output. */
  simLog(): string;
  /** Stops qemu (if running) and ipmi_sim. */
  stop(): Promise<void>;
}

export interface IpmiSimVmOptions {
  /** A folder for the configuration, the state and the console. */
  work: string;
  /** qemu-system-x86_64's arguments (test/vm/qemu.ts qemuArgs): the ipmi devices are added here. */
  qemuArgs: string[];
}

const POWER_ON = /^KICKSTAND-BMC: power on (\d+)$/gm;

/** sh's single quotes: everything literal, a ' closed, escaped and reopened. */
function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** The lan.conf string syntax has no escapes: refuse what it cannot carry. */
function confString(s: string): string {
  if (/["\n\\]/.test(s)) throw new Error(`ipmi_sim configuration string with a quote or newline: ${s}`);
  return `"${s}"`;
}

function alive(pid: number): boolean {
  try {
    // A zombie counts as gone: ipmi_sim reaps its children on SIGCHLD, so a Z is only ever brief.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

async function poll<T>(what: () => T | undefined, ms: number, why: () => string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(why());
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startIpmiSimVm(o: IpmiSimVmOptions): Promise<IpmiSimVm> {
  const dir = path.join(o.work, 'bmc');
  await mkdir(path.join(dir, 'state'), { recursive: true });
  const port = await freePort();
  const vmPort = await freePort();
  // 16 characters: IPMI 1.5's limit, which ipmi_sim's user table keeps for every user.
  const password = randomBytes(8).toString('hex');
  const consoleFile = path.join(dir, 'console.log');
  await writeFile(consoleFile, '');

  // The VM: the harness's machine plus the BMC's interface. `reconnect`: qemu keeps trying to reach
  // ipmi_sim's VM port (it listens before it starts qemu, so the first try normally works).
  const qemu = [
    ...o.qemuArgs,
    '-chardev',
    `socket,id=ipmi0,host=127.0.0.1,port=${vmPort},reconnect=10`,
    '-device',
    'ipmi-bmc-extern,id=bmc0,chardev=ipmi0',
    '-device',
    'isa-ipmi-kcs,bmc=bmc0',
  ];
  // ipmi_sim runs `exec <startcmd>` under /bin/sh and kills that pid on power off; this script execs
  // qemu in turn, so the pid it announces ($$) is qemu's.
  const startVm = path.join(dir, 'start-vm.sh');
  await writeFile(
    startVm,
    [
      '#!/bin/sh',
      `echo "KICKSTAND-BMC: power on $$" >>${shQuote(consoleFile)}`,
      `exec qemu-system-x86_64 ${qemu.map(shQuote).join(' ')} >>${shQuote(consoleFile)} 2>&1 </dev/null`,
      '',
    ].join('\n'),
  );
  await chmod(startVm, 0o755);

  // ipmi_sim asks this program for the LAN parameters that belong to the network, not to the BMC.
  const lanProgram = path.join(dir, 'lan-config.sh');
  const lanValues: Record<string, string> = {
    ip_addr: BMC_LAN.ip,
    ip_addr_src: BMC_LAN.ipSource,
    mac_addr: BMC_LAN.mac,
    subnet_mask: BMC_LAN.netmask,
    default_gw_ip_addr: BMC_LAN.gateway,
    default_gw_mac_addr: '02:4b:53:00:00:01',
    backup_gw_ip_addr: '0.0.0.0',
    backup_gw_mac_addr: '00:00:00:00:00:00',
  };
  await writeFile(
    lanProgram,
    [
      '#!/bin/sh',
      '# lan-config.sh <device> get|set|check [parm ...]: fixed answers, sets accepted and forgotten.',
      'shift',
      'op=$1; shift',
      '[ "$op" = get ] || exit 0',
      'for p in "$@"; do',
      '  case $p in',
      ...Object.entries(lanValues).map(([k, v]) => `    ${k}) echo "${k}:${v}" ;;`),
      '    *) echo "unknown parameter $p"; exit 1 ;;',
      '  esac',
      'done',
      '',
    ].join('\n'),
  );
  await chmod(lanProgram, 0o755);

  const conf = path.join(dir, 'lan.conf');
  await writeFile(
    conf,
    [
      'name "kickstand-vm"',
      'set_working_mc 0x20',
      '  startlan 1',
      `    addr 127.0.0.1 ${port}`,
      '    priv_limit admin',
      '    allowed_auths_callback md5',
      '    allowed_auths_user md5',
      '    allowed_auths_operator md5',
      '    allowed_auths_admin md5',
      `    guid ${randomBytes(16).toString('hex')}`,
      `    lan_config_program ${confString(`${lanProgram} eth0`)}`,
      '  endlan',
      `  serial 15 127.0.0.1 ${vmPort} codec VM`,
      `  startcmd ${confString(startVm)}`,
      // Plugged in and switched on: ipmi_sim powers the VM on as it starts.
      '  startnow true',
      // Power off: the VM is told through the codec (qemu exits at once); SIGTERM only if it lingers.
      '  poweroff_wait 15',
      '  kill_wait 5',
      `  user 2 true ${confString(BMC_USER)} ${confString(password)} admin 10 md5`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const emu = path.join(dir, 'bmc.emu');
  const mc = BMC_MC;
  await writeFile(
    emu,
    [
      'mc_setbmc 0x20',
      // Numbers without 0x are read as decimal, whatever ipmi_sim_cmd(5) says.
      // ipmb device-id has-device-sdrs revision fw-major fw-minor device-support (0x9f: chassis, SEL,
      // SDR, FRU, sensors) manufacturer-id product-id
      `mc_add 0x20 0x20 no-device-sdrs 0x01 ${hex(mc.firmwareMajor)} ${hex(mc.firmwareMinor)} 0x9f ${hex(mc.manufacturerId)} 0x4b53`,
      'mc_enable 0x20',
      '',
    ].join('\n'),
  );

  const child: ChildProcess = spawn('ipmi_sim', ['-c', conf, '-f', emu, '-s', path.join(dir, 'state'), '-n'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let simOut = '';
  child.stdout!.on('data', (c: Buffer) => (simOut += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (simOut += c.toString()));
  const simExited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let simDone = false;
  void simExited.then(() => (simDone = true));

  const consoleText = () => (existsSync(consoleFile) ? readFileSync(consoleFile, 'latin1') : '');
  const boots = () => [...consoleText().matchAll(POWER_ON)].map((m) => Number(m[1]));
  const tail = () => `ipmi_sim:\n${simOut.slice(-2000)}\nconsole:\n${consoleText().slice(-4000)}`;

  const sim: IpmiSimVm = {
    port,
    username: BMC_USER,
    password,
    console: consoleText,
    waitFor(pattern, ms, from = 0) {
      const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
      return poll(
        () => {
          const m = re.exec(consoleText().slice(from));
          if (!m && simDone) throw new Error(`ipmi_sim exited before ${pattern}; ${tail()}`);
          return m ?? undefined;
        },
        ms,
        () => `no ${pattern} within ${ms} ms; ${tail()}`,
      );
    },
    boots,
    running() {
      const pid = boots().at(-1);
      return pid !== undefined && alive(pid) ? pid : undefined;
    },
    waitGone(pid, ms) {
      return poll(
        () => (alive(pid) ? undefined : true),
        ms,
        () => `qemu ${pid} still runs after ${ms} ms; ${tail()}`,
      ).then(() => undefined);
    },
    waitBoot(n, ms) {
      return poll(
        () => boots()[n - 1],
        ms,
        () => `no boot number ${n} within ${ms} ms; ${tail()}`,
      );
    },
    simLog: () => simOut,
    async stop() {
      const pid = sim.running();
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
      if (!simDone) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await simExited;
        clearTimeout(timer);
      }
      if (pid !== undefined) await sim.waitGone(pid, 10_000).catch(() => undefined);
    },
  };
  // ipmi_sim refuses a bad configuration by exiting at once.
  await new Promise((r) => setTimeout(r, 500));
  if (simDone) throw new Error(`ipmi_sim did not start; ${tail()}`);
  return sim;
}

/** `ipmitool -I lanplus -C 3` against the simulator, the password through the environment (-E), never
 *  on the command line; its standard output. */
export async function ipmitoolLan(sim: Pick<IpmiSimVm, 'port' | 'username' | 'password'>, args: string[]): Promise<string> {
  const { stdout } = await run(
    'ipmitool',
    ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(sim.port), '-U', sim.username, '-E', ...args],
    { env: { ...process.env, IPMI_PASSWORD: sim.password }, timeout: 30_000 },
  );
  return stdout;
}
