// What ipmitool printed, read: the power state, `mc info`, and why a run failed. Pure, so the
// captured outputs in test/bmc/ipmitool-output.test.ts pin each case. ipmitool runs with -v (the
// driver's choice): without it a wrong password prints only "Unable to establish IPMI v2 / RMCP+
// session", the same line as a cipher suite the BMC lacks.
import type { BmcErrorKind } from '../driver.js';
import type { PowerState } from '../bmc.js';

/** `chassis power status` → "Chassis Power is on". */
export function parsePowerStatus(stdout: string): PowerState | undefined {
  const match = /Chassis Power is (on|off)\b/i.exec(stdout);
  return match ? (match[1]!.toLowerCase() as PowerState) : undefined;
}

export interface McInfo {
  manufacturer?: string;
  model?: string;
  firmware?: string;
}

/** `mc info`: "Manufacturer Name : Dell Inc.", "Product Name : …", "Firmware Revision : 2.83". */
export function parseMcInfo(stdout: string): McInfo {
  const fields = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([A-Za-z][A-Za-z ]*?)\s*:\s*(.*?)\s*$/.exec(line);
    if (match && match[2] !== '') fields.set(match[1]!, match[2]!);
  }
  const known = (value: string | undefined): string | undefined => (value === undefined || /^unknown\b/i.test(value) ? undefined : value);
  const manufacturer =
    known(fields.get('Manufacturer Name')) ?? (fields.has('Manufacturer ID') ? `IANA ${fields.get('Manufacturer ID')}` : undefined);
  const model = known(fields.get('Product Name')) ?? (fields.has('Product ID') ? `product ${fields.get('Product ID')}` : undefined);
  const firmware = fields.get('Firmware Revision');
  return {
    ...(manufacturer ? { manufacturer } : {}),
    ...(model ? { model } : {}),
    ...(firmware ? { firmware } : {}),
  };
}

/** A failed run, read: a BmcError kind and the words to show, or "cipher" (the BMC has not this
 *  cipher suite: the driver tries the next one). */
export interface IpmitoolFailure {
  kind: BmcErrorKind | 'cipher';
  detail: string;
}

// The lines ipmitool 1.8.19 (lanplus) prints, by what they mean. Other BMCs word the open-session
// refusal differently ("no matching cipher suite", "invalid integrity algorithm").
const CIPHER =
  /open session response message : (invalid (authentication|integrity|confidentiality) algorithm|no matching cipher suite)|cipher suite/i;
const AUTH =
  /RAKP 2 HMAC is invalid|RAKP \d message indicates an error : (unauthorized name|invalid integrity check value)|RAKP 4 HMAC is invalid/i;
const NO_ADDRESS = /Address lookup for .* failed|Could not open socket|Network is unreachable|No route to host/i;
const NO_ANSWER =
  /Get Auth Capabilities error|Error issuing Get Channel Authentication Capabilities request|No response from remote controller|Unable to (get|send) .*: no response/i;
// "Set Chassis Power Control to Up/On failed: Invalid data field in request",
// "Set Chassis Boot Parameter 5 failed: Invalid data field in request" — a command the BMC answered
// with an error completion code; ipmitool exits 0 after some of them (bootdev), so this is read on
// success too.
const COMMAND_FAILED = /^(.*\bfailed: .*)$/im;

/** Whether a run failed and how. exitCode 0 with a "… failed: …" line is a failure (bootdev). */
export function readFailure(exitCode: number, stderr: string): IpmitoolFailure | undefined {
  const commandFailed = COMMAND_FAILED.exec(stderr);
  if (commandFailed) return { kind: 'refused', detail: `the BMC answered: ${commandFailed[1]!.trim()}` };
  if (exitCode === 0) return undefined;
  if (AUTH.test(stderr)) return { kind: 'auth', detail: 'wrong user or password (the BMC refused the session)' };
  if (CIPHER.test(stderr)) return { kind: 'cipher', detail: lastLine(stderr) };
  if (NO_ADDRESS.test(stderr)) return { kind: 'unreachable', detail: `cannot reach the address: ${lastLine(stderr)}` };
  if (NO_ANSWER.test(stderr)) return { kind: 'unreachable', detail: 'no answer (nothing listening, or a firewall)' };
  return { kind: 'protocol', detail: `ipmitool exited ${exitCode}: ${lastLine(stderr) || 'no message'}` };
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Loading IANA'));
  return lines.at(-1) ?? '';
}
