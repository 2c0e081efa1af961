// A real IPMI BMC for tests: Debian's ipmi_sim (OpenIPMI's LAN BMC simulator) on 127.0.0.1, one UDP
// port, one admin user. Used by the ipmitool driver's tests (test/bmc/) and the VM test, which attaches
// a qemu VM through the VM codec (`vmPort`) so power on/off start and stop it (`startCommand`).
//
// What ipmi_sim does without a VM (checked with ipmitool 1.8.19): RMCP+ sessions with cipher suite 3
// (17 answers "invalid authentication algorithm"), `chassis power status` and `mc info` answer; power
// on/off and boot-device commands answer "Invalid data field in request".
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface IpmiSimOptions {
  user: string;
  password: string;
  /** UDP port on 127.0.0.1; absent: a free one. */
  port?: number;
  /** TCP port on 127.0.0.1 where ipmi_sim listens for the VM's `ipmi-bmc-extern` chardev (VM codec). */
  vmPort?: number;
  /** Run on "power on" (a qemu command line); the VM is on while this process lives. */
  startCommand?: string;
  /** Start startCommand when ipmi_sim starts (default false: wait for a power on). */
  startNow?: boolean;
  /** Seconds ipmi_sim waits for a graceful shutdown before SIGTERM (default 60), then for SIGTERM
   *  before SIGKILL (default 20); see ipmi_lan(5). */
  poweroffWait?: number;
  killWait?: number;
  /** ipmi_sim binary (default on PATH). */
  binary?: string;
}

export interface IpmiSim {
  port: number;
  /** The simulator's folder (lan.conf, the emulator commands, its state, its log). */
  dir: string;
  /** What ipmi_sim printed so far (debug output included). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function startIpmiSim(options: IpmiSimOptions): Promise<IpmiSim> {
  for (const [field, value] of [
    ['user', options.user],
    ['password', options.password],
    ['startCommand', options.startCommand ?? ''],
  ] as const) {
    // lan.conf strings are double-quoted with no escapes.
    if (/["\n]/.test(value)) throw new Error(`startIpmiSim: ${field} cannot hold a double quote or a newline`);
  }
  const port = options.port ?? (await freeUdpPort());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-ipmi-sim-'));
  await writeFile(path.join(dir, 'lan.conf'), lanConf(options, port));
  await writeFile(path.join(dir, 'bmc.emu'), EMULATOR_COMMANDS);
  const logFile = path.join(dir, 'ipmi_sim.log');
  const out = openSync(logFile, 'a');
  // Its own process group, so stop() also ends the VM it started.
  const child = spawn(
    options.binary ?? 'ipmi_sim',
    ['-c', path.join(dir, 'lan.conf'), '-f', path.join(dir, 'bmc.emu'), '-s', dir, '-n', '-d'],
    { cwd: dir, stdio: ['ignore', out, out], detached: true },
  );
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (): Promise<string> => readFile(logFile, 'utf8').catch(() => '');
  const stop = async (): Promise<void> => {
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForUdpListener(port, child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, dir, log, stop };
}

const EMULATOR_COMMANDS = `# One BMC at IPMB 0x20 (as OpenIPMI's lanserv/ipmisim1.emu), no device SDRs.
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
mc_enable 0x20
`;

function lanConf(options: IpmiSimOptions, port: number): string {
  const auths = 'none md2 md5 straight';
  const lines = [
    'name "kickstand-test"',
    'set_working_mc 0x20',
    'startlan 1',
    `  addr 127.0.0.1 ${port}`,
    '  priv_limit admin',
    `  allowed_auths_callback ${auths}`,
    `  allowed_auths_user ${auths}`,
    `  allowed_auths_operator ${auths}`,
    `  allowed_auths_admin ${auths}`,
    '  guid a123456789abcdefa123456789abcdef',
    'endlan',
    `user 2 true "${options.user}" "${options.password}" admin 10 ${auths}`,
  ];
  if (options.vmPort !== undefined) lines.push(`serial 15 127.0.0.1 ${options.vmPort} codec VM ipmb 0x20`);
  if (options.startCommand !== undefined) {
    lines.push(`startcmd "${options.startCommand}"`);
    lines.push(`startnow ${options.startNow ? 'true' : 'false'}`);
  }
  if (options.poweroffWait !== undefined) lines.push(`poweroff_wait ${options.poweroffWait}`);
  if (options.killWait !== undefined) lines.push(`kill_wait ${options.killWait}`);
  return lines.join('\n') + '\n';
}

/** A UDP port free on 127.0.0.1 now (ipmi_sim binds it a moment later). */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** ipmi_sim prints nothing reliable when ready; its bound socket in /proc/net/udp is the sign. */
async function waitForUdpListener(port: number, child: ChildProcess, log: () => Promise<string>): Promise<void> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`ipmi_sim exited (${child.exitCode ?? child.signalCode}): ${await log()}`);
    }
    const table = await readFile('/proc/net/udp', 'utf8');
    if (table.split('\n').some((line) => line.trim().split(/\s+/)[1] === local)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`ipmi_sim did not listen on 127.0.0.1:${port} within 10 s: ${await log()}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  // The group even when ipmi_sim itself is gone: a VM it started may still run.
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
