// KICKSTAND_LLDP_WAIT: seconds the discovery %pre listens for LLDP; it is rendered into the stub's shell,
// so only a whole number in range may pass (docs/discovery.md#inventory-facts-pci-devices-nic-firmware-memory-modules-tpm-lldp-neighbours#lldp).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('KICKSTAND_LLDP_WAIT', () => {
  it('When unset, then the %pre listens 35 s (LLDP’s default interval is 30 s)', () => {
    expect(loadConfig({}).lldpWait).toBe(35);
  });

  it('When 0 or 600, then it is taken (0 turns LLDP facts off)', () => {
    expect(loadConfig({ KICKSTAND_LLDP_WAIT: '0' }).lldpWait).toBe(0);
    expect(loadConfig({ KICKSTAND_LLDP_WAIT: '600' }).lldpWait).toBe(600);
  });

  it.each(['601', '-1', '1.5', '35s', '$(reboot)'])('When it is %s, then start-up fails naming the variable', (raw) => {
    expect(() => loadConfig({ KICKSTAND_LLDP_WAIT: raw })).toThrow(`KICKSTAND_LLDP_WAIT="${raw}": must be a whole number from 0 to 600`);
  });
});
