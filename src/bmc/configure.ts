// Setting a host's BMC by hand, and clearing it. Each field is checked and an error names it
// (`bmc.address`), as the form shows it next to the input. The password is sealed with the data dir's
// key before it is stored; a form or client that leaves it empty keeps the stored one (a page never
// shows it, so it cannot send it back). A BMC set by hand is "manual": facts never overwrite it.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { CallerWith } from '../caller.js';
import type { Deps } from '../deps.js';
import { AppError, errnoOf, errors } from '../errors.js';
import { audit, type AuditDeps } from '../audit/audit.js';
import { addEvent, type Host } from '../hosts/host.js';
import { validators } from '../schemas/validate.js';
import { SECRET_MASK } from '../secrets/secret-params.js';
import type { BmcConfig } from './bmc.js';
import { mustGetCredentialSet } from './credentials.js';
import { bmcAddressRefusal } from './address.js';

export type ConfigureDeps = AuditDeps & Pick<Deps, 'secrets' | 'hostsLock'> & { config: Pick<Deps['config'], 'bmcNetworks'> };

/** Who sets the BMC. Credentials go to the address set here — the host's own, a credential set's, the
 *  profile's or the default set's, which only admins see — so anywhere else than the BMC networks
 *  (KICKSTAND_BMC_NETWORKS) only an admin may point them. */
export interface SetBy {
  anyAddress: boolean;
}

// A ComputerSystem's id: one path segment, no query, no way up.
const SYSTEM_PATH = /^\/redfish\/v1\/Systems\/[A-Za-z0-9._~%:-]+$/;
const CA_FILE_LIMIT = 1024 * 1024;

const invalid = (field: string, message: string) => new AppError('VALIDATION', `bmc.${field} ${message}`, `bmc.${field}`);

export async function setHostBmc(
  deps: ConfigureDeps,
  id: string,
  body: unknown,
  { actor, ip }: CallerWith<'ip'>,
  setBy: SetBy = { anyAddress: true },
): Promise<Host> {
  const input = validators.hostBmc({ bmc: body }).bmc;
  const address = input.address.trim();
  const refusal = bmcAddressRefusal(address, deps.config.bmcNetworks, setBy.anyAddress);
  if (refusal?.code === 'VALIDATION') throw invalid('address', refusal.message);
  if (refusal) throw new AppError('FORBIDDEN', `bmc.address ${refusal.message}`, 'bmc.address');
  const systemPath = input.system_path?.trim() || undefined;
  if (systemPath !== undefined && (!SYSTEM_PATH.test(systemPath) || /\/\.\.?$/.test(systemPath)))
    throw invalid('system_path', 'must be /redfish/v1/Systems/<id> (or empty for the first system)');
  const caFile = input.ca_file?.trim() || undefined;
  if (caFile !== undefined) await checkCaFile(caFile);
  const credentials = input.credentials || undefined;
  if (credentials) await mustGetCredentialSet(deps, credentials, 'bmc.credentials');
  const username = input.username || undefined;
  // Empty (or the mask a page would show): keep what is stored.
  const typed = input.password && input.password !== SECRET_MASK ? input.password : undefined;
  if (typed !== undefined && username === undefined) throw invalid('username', 'is required with a password');

  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(id);
    if (!current) throw errors.hostNotFound(id);
    // The stored password stays only with the BMC it was typed for: a new driver, address or port needs
    // it typed again, or an edit could send it to a machine of the editor's choosing.
    const was = current.bmc;
    const stored = was && was.driver === input.driver && was.address === address && was.port === input.port ? was.password : undefined;
    const password = username === undefined ? undefined : typed !== undefined ? deps.secrets.sealValue(typed) : stored;
    if (username !== undefined && password === undefined) {
      throw invalid(
        'password',
        current.bmc?.password ? 'must be typed again for a new driver, address or port' : 'is required with a username (none is stored)',
      );
    }
    const bmc: BmcConfig = {
      driver: input.driver,
      address,
      ...(input.port !== undefined ? { port: input.port } : {}),
      ...(username !== undefined && password !== undefined ? { username, password } : {}),
      ...(credentials ? { credentials } : {}),
      ...(systemPath ? { system_path: systemPath } : {}),
      verify_tls: input.verify_tls ?? true,
      ...(caFile ? { ca_file: caFile } : {}),
      address_source: 'manual',
      updated_at: new Date().toISOString(),
    };
    const next: Host = { ...current, bmc, events: [...current.events], updated_at: bmc.updated_at };
    addEvent(next, { type: 'bmc-set', actor, ip, message: `BMC set: ${describe(bmc)}` });
    return { host: next, durable: deps.store.hosts.save(next) };
  });
  await durable;
  await audit(deps, actor, 'host.bmc.set', id, describe(host.bmc!, typed !== undefined));
  return host;
}

export async function clearHostBmc(deps: ConfigureDeps, id: string, { actor, ip }: CallerWith<'ip'>): Promise<Host> {
  const { host, durable } = await deps.hostsLock.run(async () => {
    const current = await deps.store.hosts.get(id);
    if (!current) throw errors.hostNotFound(id);
    const { bmc: _bmc, power: _power, ...rest } = current;
    const next: Host = { ...rest, events: [...current.events], updated_at: new Date().toISOString() };
    addEvent(next, { type: 'bmc-set', actor, ip, message: 'BMC cleared' });
    return { host: next, durable: deps.store.hosts.save(next) };
  });
  await durable;
  await audit(deps, actor, 'host.bmc.clear', id);
  return host;
}

/** "redfish 10.0.0.5:443, own credentials (new password)": what the timeline and the trail keep. Both
 *  are read by every role, so never the password, and neither the user nor the set's name (those are
 *  for roles that may power the machine: bmc/views.ts). */
function describe(bmc: BmcConfig, newPassword = false): string {
  const who = bmc.username ? 'own credentials' : bmc.credentials ? 'a credential set' : "its profile's or the default credentials";
  return `${bmc.driver} ${bmc.address}${bmc.port ? `:${bmc.port}` : ''}, ${who}${newPassword ? ' (new password)' : ''}`;
}

/** An absolute path to a readable regular file holding a PEM certificate: what Node's TLS client takes
 *  as `ca`. Opened without blocking and checked to be a regular file before a bounded read: a path such
 *  as /dev/zero or a FIFO must not hang or fill the service's memory. */
async function checkCaFile(file: string): Promise<void> {
  if (!isAbsolute(file)) throw invalid('ca_file', 'must be an absolute path');
  let handle: FileHandle | undefined;
  let head: Buffer;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) throw invalid('ca_file', 'is not a regular file');
    if (info.size > CA_FILE_LIMIT) throw invalid('ca_file', `is larger than ${CA_FILE_LIMIT} bytes: not a CA file`);
    head = Buffer.alloc(info.size);
    await handle.read(head, 0, info.size, 0);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw invalid('ca_file', `cannot be read (${errnoOf(err) ?? 'error'})`);
  } finally {
    await handle?.close();
  }
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(head.toString('latin1')))
    throw invalid('ca_file', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
}
