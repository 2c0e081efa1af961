// ipmitool's outputs as ipmitool 1.8.19 printed them against ipmi_sim (and, for the vendor lines,
// as ipmitool words them in its lanplus code), read by the pure module.
import { describe, expect, it } from 'vitest';
import { parseMcInfo, parsePowerStatus, readFailure } from '../../src/bmc/drivers/ipmitool-output.js';

const MC_INFO_IPMI_SIM = `Device ID                 : 0
Device Revision           : 3
Firmware Revision         : 9.08
IPMI Version              : 2.0
Manufacturer ID           : 4753
Manufacturer Name         : MontaVista Software, Inc.
Product ID                : 3842 (0x0f02)
Product Name              : Unknown (0xF02)
Device Available          : yes
Provides Device SDRs      : no
Additional Device Support :
    Sensor Device
    Chassis Device
Aux Firmware Rev Info     : 
    0x00
`;

const MC_INFO_DELL = `Device ID                 : 32
Device Revision           : 1
Firmware Revision         : 2.83
IPMI Version              : 2.0
Manufacturer ID           : 674
Manufacturer Name         : DELL Inc
Product ID                : 256 (0x0100)
Product Name              : PowerEdge R740
Device Available          : yes
`;

// What -v adds on stderr even when everything worked.
const VERBOSE_NOISE = `Loading IANA PEN Registry...
Running Get VSO Capabilities my_addr 0x20, transit 0, target 0x20
Invalid completion code received: Invalid command
Discovered IPMB address 0x0
`;

describe('parsePowerStatus', () => {
  it('When the chassis says on or off, then that is the state', () => {
    expect(parsePowerStatus('Chassis Power is on\n')).toBe('on');
    expect(parsePowerStatus('Chassis Power is off\n')).toBe('off');
  });
  it('When the answer is something else, then there is no state', () => {
    expect(parsePowerStatus('')).toBeUndefined();
    expect(parsePowerStatus('Chassis Power is unknown\n')).toBeUndefined();
  });
});

describe('parseMcInfo', () => {
  it('When the product name is unknown (ipmi_sim), then the product ID stands for the model', () => {
    expect(parseMcInfo(MC_INFO_IPMI_SIM)).toEqual({
      manufacturer: 'MontaVista Software, Inc.',
      model: 'product 3842 (0x0f02)',
      firmware: '9.08',
    });
  });
  it('When the BMC names itself, then manufacturer, model and firmware are its words', () => {
    expect(parseMcInfo(MC_INFO_DELL)).toEqual({ manufacturer: 'DELL Inc', model: 'PowerEdge R740', firmware: '2.83' });
  });
  it('When nothing is printed, then nothing is known', () => {
    expect(parseMcInfo('')).toEqual({});
  });
});

describe('readFailure', () => {
  it('When ipmitool exits 0 with only the verbose noise, then it is no failure', () => {
    expect(readFailure(0, VERBOSE_NOISE)).toBeUndefined();
  });
  it('When the BMC refuses a command (even with exit 0, as bootdev does), then it is refused in its words', () => {
    const boot = `${VERBOSE_NOISE}Set Chassis Boot Parameter 4 failed: Invalid data field in request\nSet Chassis Boot Parameter 5 failed: Invalid data field in request\n`;
    expect(readFailure(0, boot)).toEqual({
      kind: 'refused',
      detail: 'the BMC answered: Set Chassis Boot Parameter 4 failed: Invalid data field in request',
    });
    expect(readFailure(1, 'Set Chassis Power Control to Up/On failed: Invalid data field in request\n')?.kind).toBe('refused');
  });
  it('When the password is wrong (RAKP 2 HMAC) or the user unknown, then it is auth', () => {
    const wrongPassword = 'Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n';
    const wrongUser =
      'Loading IANA PEN Registry...\nRAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session\n';
    expect(readFailure(1, wrongPassword)).toEqual({ kind: 'auth', detail: 'wrong user or password (the BMC refused the session)' });
    expect(readFailure(1, wrongUser)?.kind).toBe('auth');
  });
  it('When the BMC lacks the cipher suite, then it is "cipher" (try the next)', () => {
    const noSuite =
      'Loading IANA PEN Registry...\nError in open session response message : invalid authentication algorithm\n\nError: Unable to establish IPMI v2 / RMCP+ session\n';
    expect(readFailure(1, noSuite)?.kind).toBe('cipher');
    expect(readFailure(1, 'Error in open session response message : no matching cipher suite\n')?.kind).toBe('cipher');
  });
  it('When nothing answers or the name does not resolve, then it is unreachable', () => {
    const noAnswer =
      'Loading IANA PEN Registry...\nGet Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session\n';
    const noName =
      'Address lookup for no.such.host.invalid failed\nCould not open socket!\nError: Unable to establish IPMI v2 / RMCP+ session\n';
    expect(readFailure(1, noAnswer)).toEqual({ kind: 'unreachable', detail: 'no answer (nothing listening, or a firewall)' });
    expect(readFailure(1, noName)?.kind).toBe('unreachable');
  });
  it('When ipmitool fails in a way not known, then it is protocol with its last line', () => {
    expect(readFailure(1, 'Loading IANA PEN Registry...\nsomething odd\n')).toEqual({
      kind: 'protocol',
      detail: 'ipmitool exited 1: something odd',
    });
  });
});
