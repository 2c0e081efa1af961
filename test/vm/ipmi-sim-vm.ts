// A VM behind a real IPMI BMC: OpenIPMI's `ipmi_sim` (Debian's openipmi) on 127.0.0.1 with a LAN
// channel for RMCP+ (what Kickstand's ipmitool driver talks to) and channel 15, the system interface,
// as OpenIPMI's "VM" serial codec, which qemu's ipmi-bmc-extern connects to: the VM's kernel sees the
// BMC as an ISA KCS interface (isa-ipmi-kcs → ipmi_si → /dev/ipmi0). That is OpenIPMI's documented VM
// set-up (lanserv/README.vm); the files here are written for this test, not copied from it.
//
// Power and boot device go through ipmi_sim's `chassis_control` program (chassis.sh below), not its
// `startcmd`: ipmi_sim 2.0.33 answers the boot-flags parameter (Set/Get System Boot Options, parameter
// 5) only through that program, and once the program is set it also owns power (bmc_chassis.c asks it
// before the startcmd). So the program is the machine's power supply: power on starts qemu (detached,
// its pid in qemu.pid), power off ends it (SIGTERM, SIGKILL after 5 s), power status is whether that
// qemu lives, and the boot device is a file. docs/bmc.md#tests says why.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/service-process.js';
import { freeUdpPort } from '../support/ipmi-sim.js';

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
export const BMC_MC = { manufacturerId: 0x1291, productId: 0x4b53, firmware: '2.17', firmwareMajor: 2, firmwareMinor: 0x17 };

export const BMC_USER = 'kickstand';

export interface IpmiSimVm {
  /** ipmi_sim's LAN (RMCP+, UDP) port on 127.0.0.1. */
  port: number;
  username: string;
  password: string;
  /** Every boot's serial console and qemu's messages, appended; each boot starts with a `power on`
   *  line. */
  console(): string;
  /** Every power on, in order (the start script's `power on` lines): qemu's pid and the boot device
   *  the BMC had set for it ("none": no override). */
  boots(): Boot[];
  /** The running qemu's pid, or undefined when the VM is off. */
  running(): number | undefined;
  /** Resolves once `pid` has ended; rejects after `ms`. */
  waitGone(pid: number, ms: number): Promise<void>;
  /** Resolves with boot number `n` (1-based) once the BMC powered it on; rejects after `ms`. */
  waitBoot(n: number, ms: number): Promise<Boot>;
  /** Stops qemu (if running) and ipmi_sim. */
  stop(): Promise<void>;
}

export interface Boot {
  pid: number;
  device: string;
}

export interface IpmiSimVmOptions {
  /** A folder for the configuration, the state and the console. */
  work: string;
  /** qemu-system-x86_64's arguments (test/vm/qemu.ts qemuArgs): the ipmi devices are added here. */
  qemuArgs: string[];
}

const POWER_ON = /^KICKSTAND-BMC: power on (\d+) boot=(\S+)$/gm;

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
    // A zombie is gone: qemu outlives the chassis program that started it, and whatever adopts it may
    // never reap it.
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
  const port = await freeUdpPort();
  const vmPort = await freePort();
  // 16 characters: IPMI 1.5's limit, which ipmi_sim's user table keeps for every user.
  const password = randomBytes(8).toString('hex');
  const consoleFile = path.join(dir, 'console.log');
  await writeFile(consoleFile, '');

  // The VM: the harness's machine plus the BMC's interface. ipmi_sim listens on the VM port before any
  // power on; `reconnect` has qemu try again should the connection drop.
  const qemu = [
    ...o.qemuArgs,
    '-chardev',
    `socket,id=ipmi0,host=127.0.0.1,port=${vmPort},reconnect=10`,
    '-device',
    'ipmi-bmc-extern,id=bmc0,chardev=ipmi0',
    '-device',
    'isa-ipmi-kcs,bmc=bmc0',
  ];
  // The power supply's "on": this script announces the boot (pid: qemu's, as it execs qemu) with the
  // boot device the BMC had set, which a one-time setting then forgets.
  const startVm = path.join(dir, 'start-vm.sh');
  const pidFile = path.join(dir, 'qemu.pid');
  const bootFile = path.join(dir, 'boot-device');
  await writeFile(
    startVm,
    [
      '#!/bin/sh',
      `echo $$ >${shQuote(pidFile)}`,
      `boot=$(cat ${shQuote(bootFile)} 2>/dev/null || echo none)`,
      `echo none >${shQuote(bootFile)}`,
      `echo "KICKSTAND-BMC: power on $$ boot=$boot" >>${shQuote(consoleFile)}`,
      `exec qemu-system-x86_64 ${qemu.map(shQuote).join(' ')} >>${shQuote(consoleFile)} 2>&1 </dev/null`,
      '',
    ].join('\n'),
  );
  await chmod(startVm, 0o755);

  // ipmi_sim's chassis_control program: `chassis.sh <mc> get <parm>...` prints `<parm>:<value>` lines,
  // `chassis.sh <mc> set <parm> <value>...` acts; power 1|0, reset 1, boot none|pxe|default|cdrom|bios.
  const chassis = path.join(dir, 'chassis.sh');
  await writeFile(
    chassis,
    [
      '#!/bin/sh',
      `pidfile=${shQuote(pidFile)}`,
      `bootfile=${shQuote(bootFile)}`,
      // A zombie is off: qemu's parent is gone and whatever adopts it may never reap it.
      'running() {',
      '  pid=$(cat "$pidfile" 2>/dev/null) && [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1',
      '  stat=$(cat "/proc/$pid/stat") || return 1',
      '  state=${stat##*[)] }',
      '  [ "${state%% *}" != Z ]',
      '}',
      'power_on() {',
      '  running && return 0',
      '  rm -f "$pidfile"',
      `  setsid ${shQuote(startVm)} </dev/null >/dev/null 2>&1 &`,
      '  for _ in $(seq 10); do [ -s "$pidfile" ] && return 0; sleep 0.2; done',
      '  echo "qemu did not start"; return 1',
      '}',
      'power_off() {',
      '  running || return 0',
      '  kill -TERM "$pid"',
      '  for _ in $(seq 50); do running || return 0; sleep 0.1; done',
      '  kill -KILL "$pid"',
      '}',
      'shift',
      'op=$1; shift',
      'case $op in',
      '  get)',
      '    for p in "$@"; do',
      '      case $p in',
      '        power) if running; then echo power:1; else echo power:0; fi ;;',
      '        boot) echo "boot:$(cat "$bootfile" 2>/dev/null || echo none)" ;;',
      '        *) echo "cannot get $p"; exit 1 ;;',
      '      esac',
      '    done ;;',
      '  set)',
      '    while [ $# -ge 2 ]; do',
      '      case $1 in',
      '        power) if [ "$2" = 1 ]; then power_on || exit 1; else power_off; fi ;;',
      '        reset) power_off; power_on || exit 1 ;;',
      '        boot) echo "$2" >"$bootfile" ;;',
      '        *) echo "cannot set $1"; exit 1 ;;',
      '      esac',
      '      shift 2',
      '    done ;;',
      '  *) echo "cannot $op"; exit 1 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  await chmod(chassis, 0o755);

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
      `  chassis_control ${confString(`${chassis} 0x20`)}`,
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
      `mc_add 0x20 0x20 no-device-sdrs 0x01 ${hex(mc.firmwareMajor)} ${hex(mc.firmwareMinor)} 0x9f ${hex(mc.manufacturerId)} ${hex(mc.productId)}`,
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
  const boots = () => [...consoleText().matchAll(POWER_ON)].map((m) => ({ pid: Number(m[1]), device: m[2]! }));
  const tail = () => `ipmi_sim:\n${simOut.slice(-2000)}\nconsole:\n${consoleText().slice(-4000)}`;

  const sim: IpmiSimVm = {
    port,
    username: BMC_USER,
    password,
    console: consoleText,
    boots,
    running() {
      const pid = boots().at(-1)?.pid;
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
  // Ready once its UDP socket is bound (it prints nothing reliable); a bad configuration ends it at once.
  const bound = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  await poll(
    () => {
      if (simDone) throw new Error(`ipmi_sim did not start; ${tail()}`);
      return readFileSync('/proc/net/udp', 'utf8').includes(` ${bound} `) ? true : undefined;
    },
    10_000,
    () => `ipmi_sim did not listen on 127.0.0.1:${port}; ${tail()}`,
  );
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
