// The IPMI driver: Debian's ipmitool over RMCP+ (lanplus), the tool MAAS and Ironic rely on. Run
// without a shell and with a minimal environment; the password travels in IPMI_PASSWORD (`-E`), never
// on the command line, where `ps` and /proc/<pid>/cmdline show it to every local user.
//
// Cipher suite 17 (HMAC-SHA256, AES-128) first; a BMC that has not it (ipmi_sim, BMCs from before
// IPMI 2.0 errata 6) refuses the open-session request, and the driver tries 3 (HMAC-SHA1, AES-128),
// then remembers per address which one worked (docs/bmc.md#drivers).
import { spawn } from 'node:child_process';
import type { BmcIdentity, BmcTarget, BootDevice, BootDeviceRequest, PowerAction, PowerState } from '../bmc.js';
import { BmcError, type BmcDriver } from '../driver.js';
import { parseMcInfo, parsePowerStatus, readFailure } from './ipmitool-output.js';

export const CIPHER_SUITES = [17, 3] as const;
type CipherSuite = (typeof CIPHER_SUITES)[number];

const POWER_COMMANDS: Readonly<Record<PowerAction, string>> = {
  on: 'on',
  off: 'off',
  'soft-off': 'soft',
  cycle: 'cycle',
  reset: 'reset',
};
const BOOT_DEVICES: Readonly<Record<BootDevice, string>> = { pxe: 'pxe', disk: 'disk', cd: 'cdrom', bios: 'bios' };

/** Enough for any answer of the commands used here; more is a runaway tool. */
const MAX_OUTPUT = 64 * 1024;

export interface IpmitoolDriverOptions {
  /** The binary (config.ipmitool). */
  ipmitool: string;
}

export class IpmitoolDriver implements BmcDriver {
  readonly name = 'ipmi' as const;
  /** The cipher suite each address took last time ("address:port" → suite). */
  private readonly ciphers = new Map<string, CipherSuite>();

  constructor(private readonly options: IpmitoolDriverOptions) {}

  async powerState(target: BmcTarget, signal: AbortSignal): Promise<PowerState> {
    const stdout = await this.run(target, ['chassis', 'power', 'status'], signal);
    const state = parsePowerStatus(stdout);
    if (!state) throw fail(target, 'protocol', `unexpected answer to "chassis power status": ${firstLine(stdout)}`);
    return state;
  }

  async power(target: BmcTarget, action: PowerAction, signal: AbortSignal): Promise<void> {
    // IPMI's power cycle does nothing (or fails, "not supported in present state") on a machine that
    // is off; "cycle" means "make it boot afresh", so an off machine is powered on.
    if (action === 'cycle' && (await this.powerState(target, signal)) === 'off') action = 'on';
    await this.run(target, ['chassis', 'power', POWER_COMMANDS[action]], signal);
  }

  async setBootDevice(target: BmcTarget, request: BootDeviceRequest, signal: AbortSignal): Promise<void> {
    const options = [...(request.persistent ? ['persistent'] : []), ...(request.mode === 'uefi' ? ['efiboot'] : [])];
    await this.run(
      target,
      ['chassis', 'bootdev', BOOT_DEVICES[request.device], ...(options.length ? [`options=${options.join(',')}`] : [])],
      signal,
    );
  }

  async identify(target: BmcTarget, signal: AbortSignal): Promise<BmcIdentity> {
    const info = parseMcInfo(await this.run(target, ['mc', 'info'], signal));
    return { power: await this.powerState(target, signal), ...info };
  }

  /** One ipmitool command; its stdout. The remembered cipher suite first, else 17 then 3. */
  private async run(target: BmcTarget, command: string[], signal: AbortSignal): Promise<string> {
    const key = `${target.address}:${target.port}`;
    const known = this.ciphers.get(key);
    const suites = known ? [known, ...CIPHER_SUITES.filter((suite) => suite !== known)] : [...CIPHER_SUITES];
    let lastDetail = '';
    for (const suite of suites) {
      const result = await runIpmitool(this.options.ipmitool, target, suite, command, signal);
      const failure = readFailure(result.exitCode, result.stderr);
      if (!failure) {
        this.ciphers.set(key, suite);
        return result.stdout;
      }
      if (failure.kind !== 'cipher') {
        // The session was up (the BMC answered the command): this suite works.
        if (failure.kind === 'refused') this.ciphers.set(key, suite);
        throw fail(target, failure.kind, failure.detail);
      }
      lastDetail = failure.detail;
    }
    throw fail(target, 'protocol', `no common cipher suite (tried ${suites.join(', ')}): ${lastDetail}`);
  }
}

interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function runIpmitool(binary: string, target: BmcTarget, suite: CipherSuite, command: string[], signal: AbortSignal): Promise<RunResult> {
  if (signal.aborted) return Promise.reject(fail(target, 'timeout', 'no answer in time'));
  // -v: the session errors are worded only then (ipmitool-output.ts). -E: the password from
  // IPMI_PASSWORD. No shell: the address and user are arguments, never parsed.
  const args = ['-v', '-I', 'lanplus', '-H', target.address, '-p', String(target.port), '-U', target.username];
  args.push('-E', '-C', String(suite), ...command);
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(binary, args, {
        // Nothing of Kickstand's environment (its key, its database URL) reaches the tool.
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', IPMI_PASSWORD: target.password },
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: false,
      });
    } catch (error) {
      reject(fail(target, 'protocol', `cannot run ${binary}: ${(error as Error).message}`));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT) into.push(chunk);
      else child.kill('SIGKILL');
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      reject(fail(target, 'protocol', `cannot run ${binary}: ${error.code ?? error.message}`));
    });
    child.once('close', (code) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) {
        reject(fail(target, 'timeout', 'no answer in time'));
      } else if (size > MAX_OUTPUT) {
        reject(fail(target, 'protocol', `ipmitool printed more than ${MAX_OUTPUT} bytes`));
      } else {
        resolve({
          exitCode: code ?? -1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        });
      }
    });
  });
}

/** A BmcError naming the BMC; the password is scrubbed in case a tool ever echoes it. */
function fail(target: BmcTarget, kind: ConstructorParameters<typeof BmcError>[0], detail: string): BmcError {
  const message = `IPMI BMC ${target.address}:${target.port}: ${detail}`;
  return new BmcError(kind, target.password ? message.split(target.password).join('***') : message);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 200) || '(nothing)';
}
