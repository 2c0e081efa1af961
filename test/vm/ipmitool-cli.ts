// A stand-in for Kickstand's ipmitool driver (src/bmc/drivers/ipmitool.ts, branch bmc-drivers) until
// it is merged: the BmcDriver interface over `ipmitool -I lanplus -C 3`, the password in IPMI_PASSWORD
// (-E), so test/vm/ipmi-bmc.test.ts proves the VM and its BMC first. No error mapping: a failure here is
// the test's failure, with ipmitool's message.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BmcTarget, PowerAction } from '../../src/bmc/bmc.js';
import type { BmcDriver } from '../../src/bmc/driver.js';

const run = promisify(execFile);

const POWER: Record<PowerAction, string> = { on: 'on', off: 'off', 'soft-off': 'soft', cycle: 'cycle', reset: 'reset' };

async function ipmitool(t: BmcTarget, args: string[], signal: AbortSignal): Promise<string> {
  const lan = ['-I', 'lanplus', '-C', '3', '-H', t.address, '-p', String(t.port), '-U', t.username, '-E'];
  const { stdout } = await run('ipmitool', [...lan, ...args], { env: { ...process.env, IPMI_PASSWORD: t.password }, signal });
  return stdout;
}

export const ipmitoolCli: BmcDriver = {
  name: 'ipmi',
  async powerState(t, signal) {
    const out = await ipmitool(t, ['chassis', 'power', 'status'], signal);
    const m = /Chassis Power is (on|off)/.exec(out);
    if (!m) throw new Error(`ipmitool chassis power status: ${out}`);
    return m[1] as 'on' | 'off';
  },
  async power(t, action, signal) {
    await ipmitool(t, ['chassis', 'power', POWER[action]], signal);
  },
  async setBootDevice(t, request, signal) {
    const options = [...(request.persistent ? ['persistent'] : []), ...(request.mode === 'uefi' ? ['efiboot'] : [])];
    const device = request.device === 'cd' ? 'cdrom' : request.device;
    await ipmitool(t, ['chassis', 'bootdev', device, ...(options.length ? [`options=${options.join(',')}`] : [])], signal);
  },
  async identify(t, signal) {
    const info = await ipmitool(t, ['mc', 'info'], signal);
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
    return {
      power: await this.powerState(t, signal),
      ...(field('Manufacturer Name') ? { manufacturer: field('Manufacturer Name')! } : {}),
      ...(field('Firmware Revision') ? { firmware: field('Firmware Revision')! } : {}),
    };
  },
};
