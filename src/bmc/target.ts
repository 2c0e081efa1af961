// The one place a BMC password is opened: right before a driver call, for that call. Which credentials
// a host's BMC uses, first found wins (docs/bmc.md#configuration-a-hosts-bmc-and-credential-sets):
//   1. the host's own user and password;
//   2. the credential set its BMC names (`bmc.credentials`);
//   3. the credential set of the profile it is assigned (`bmc_credentials`; a rule's assignment carries
//      its profile, so this is how a rule gives credentials);
//   4. the default set of the settings (`bmc_default_credentials`).
// A set named at any step that does not exist is an error naming it, not a silent fall-through: the
// operator meant that set.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { Host } from '../hosts/host.js';
import { DEFAULT_PORTS, type BmcTarget } from './bmc.js';

export type TargetDeps = Pick<Deps, 'secrets' | 'store'>;

interface Credentials {
  username: string;
  /** Sealed. */
  password: string;
  /** Where they came from, for the error of a password the key cannot open. */
  field: string;
}

export async function bmcTarget(deps: TargetDeps, host: Readonly<Host>): Promise<BmcTarget> {
  const bmc = host.bmc;
  if (!bmc) throw new AppError('BMC_NOT_CONFIGURED', `host ${host.id} has no BMC set`, 'bmc');
  const credentials = await resolveCredentials(deps, host);
  return {
    driver: bmc.driver,
    address: bmc.address,
    port: bmc.port ?? DEFAULT_PORTS[bmc.driver],
    username: credentials.username,
    password: deps.secrets.openValue(credentials.field, credentials.password),
    ...(bmc.system_path ? { system_path: bmc.system_path } : {}),
    verify_tls: bmc.verify_tls,
    ...(bmc.ca_file ? { ca_file: bmc.ca_file } : {}),
  };
}

async function resolveCredentials(deps: Pick<Deps, 'store'>, host: Readonly<Host>): Promise<Credentials> {
  const bmc = host.bmc!;
  if (bmc.username !== undefined && bmc.password !== undefined)
    return { username: bmc.username, password: bmc.password, field: 'bmc.password' };
  if (bmc.credentials) return fromSet(deps, host, bmc.credentials, 'its BMC', 'bmc.credentials');
  const profileName = host.assignment?.profile;
  const profile = profileName === undefined ? undefined : await deps.store.profiles.get(profileName);
  if (profile?.bmc_credentials) return fromSet(deps, host, profile.bmc_credentials, `profile ${profile.name}`, 'bmc_credentials');
  const fallback = (await deps.store.settings.get()).bmc_default_credentials;
  if (fallback) return fromSet(deps, host, fallback, 'the default setting', 'bmc_default_credentials');
  throw new AppError(
    'BMC_NOT_CONFIGURED',
    `host ${host.id}'s BMC has no credentials: give it a user and password, a credential set, a profile with one, or a default set`,
    'bmc.username',
  );
}

async function fromSet(deps: Pick<Deps, 'store'>, host: Readonly<Host>, name: string, by: string, field: string): Promise<Credentials> {
  const set = await deps.store.bmcCredentials.get(name);
  if (!set)
    throw new AppError(
      'BMC_NOT_CONFIGURED',
      `host ${host.id}'s BMC credentials: ${by} names the set "${name}", which does not exist`,
      field,
    );
  return { username: set.username, password: set.password, field: `bmc credential set ${name}` };
}
