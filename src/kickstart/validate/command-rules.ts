// The checks pykickstart writes by hand in the parse() methods of common commands
// (pykickstart/commands/*.py), beyond what their option parsers declare.
import type { ParsedArgs } from './options.js';
import type { KickstartVersion } from './versions.js';

// Commands whose parse() demands one (or at most one) of a set of options.
export const ONE_OF: Record<string, { options: string[]; atLeastOne: boolean; atMostOne: boolean }> = {
  url: { options: ['--url', '--mirrorlist', '--metalink'], atLeastOne: true, atMostOne: true },
  repo: { options: ['--baseurl', '--mirrorlist', '--metalink'], atLeastOne: false, atMostOne: true },
  timesource: { options: ['--ntp-server', '--ntp-pool', '--ntp-disable'], atLeastOne: true, atMostOne: true },
  ignoredisk: { options: ['--drives', '--only-use'], atLeastOne: true, atMostOne: true },
  services: { options: ['--enabled', '--disabled'], atLeastOne: true, atMostOne: false },
  eula: { options: ['--agreed', '--agree', '--accepted', '--accept'], atLeastOne: true, atMostOne: false },
};

// Other checks the parse() methods of common commands make (pykickstart/commands/*.py). Each returns
// the problem, or undefined. Commands not listed get only the generic checks (options.ts, argument counts).
const has = (a: ParsedArgs, ...options: string[]) => options.some((o) => a.given.has(o));
export const RULES: Record<string, (a: ParsedArgs, version: KickstartVersion) => string | undefined> = {
  rootpw: (a) => (a.positionals.length === 0 && !has(a, '--lock') ? 'rootpw needs a password (or --lock)' : undefined),
  sshpw: (a) => (a.positionals.length === 0 ? 'sshpw needs a password' : undefined),
  cmdline: (a) => (has(a, '--non-interactive') ? 'cmdline does not take --non-interactive' : undefined),
  mount: (a) => {
    const mountpoint = a.positionals[1];
    return mountpoint !== undefined && mountpoint !== 'none' && !mountpoint.startsWith('/')
      ? `mount: invalid mount point "${mountpoint}"`
      : undefined;
  },
  keyboard: (a) =>
    a.positionals.length > 1
      ? 'keyboard takes one layout argument'
      : a.positionals.length === 0 && !has(a, '--vckeymap', '--xlayouts')
        ? 'keyboard needs a layout: an argument, --vckeymap or --xlayouts'
        : undefined,
  timezone: (a) =>
    a.positionals.length > 1
      ? 'timezone takes one time zone argument'
      : a.positionals.length === 0 && a.given.size === 0
        ? 'timezone needs a time zone (or an option)'
        : undefined,
  updates: (a) => (a.positionals.length > 1 ? 'updates takes one URL' : undefined),
  autopart: (a, version) => {
    const type = last(a, '--type')?.toLowerCase();
    const types = version.startsWith('RHEL') ? ['lvm', 'plain', 'thinp'] : ['lvm', 'btrfs', 'plain', 'thinp'];
    return type !== undefined && !types.includes(type) ? `autopart --type must be one of ${types.join(', ')} in ${version}` : undefined;
  },
  part: (a) => (has(a, '--resize') && !has(a, '--onpart') ? 'part --resize needs --onpart' : undefined),
  partition: (a) => RULES.part!(a, 'RHEL9'),
  logvol: (a) =>
    !has(a, '--useexisting', '--noformat', '--size', '--percent', '--hibernation', '--recommended')
      ? 'logvol needs a size: one of --size, --percent, --recommended, --hibernation, --useexisting or --noformat'
      : undefined,
  volgroup: (a) =>
    a.positionals.length === 0
      ? 'volgroup needs a volume group name'
      : a.positionals.length === 1 && !has(a, '--useexisting', '--noformat')
        ? 'volgroup needs its physical volumes (or --useexisting)'
        : undefined,
  raid: (a) =>
    a.positionals.length < 2 && !has(a, '--useexisting', '--noformat')
      ? 'raid needs its member partitions (or --useexisting)'
      : !has(a, '--level') && !has(a, '--useexisting', '--noformat')
        ? 'raid needs --level'
        : undefined,
  logging: (a) => (has(a, '--port') && !has(a, '--host') ? 'logging --port needs --host' : undefined),
  network: (a) => {
    if (has(a, '--bridgeopts') && !has(a, '--bridgeslaves')) return 'network --bridgeopts needs --bridgeslaves';
    const needDevice = ['--ipv4-dns-search', '--ipv6-dns-search', '--ipv4-ignore-auto-dns', '--ipv6-ignore-auto-dns'].find((o) =>
      has(a, o),
    );
    return needDevice && !has(a, '--device') ? `network ${needDevice} needs --device` : undefined;
  },
};

// Multi-use commands warn when an entry repeats; the key that makes two entries the same.
export const ENTRY_KEY: Record<string, (a: ParsedArgs) => string | undefined> = {
  network: (a) => last(a, '--device') ?? '',
  repo: (a) => last(a, '--name'),
  user: (a) => last(a, '--name'),
  group: (a) => last(a, '--name'),
  sshkey: (a) => last(a, '--username'),
  sshpw: (a) => last(a, '--username'),
  part: (a) => (a.positionals[0] === 'swap' ? undefined : normalizeMountpoint(a.positionals[0])),
  raid: (a) => last(a, '--device'),
  volgroup: (a) => a.positionals[0],
  logvol: (a) => `${last(a, '--vgname') ?? ''}/${last(a, '--name') ?? ''}`,
  btrfs: (a) => normalizeMountpoint(a.positionals[0]),
};

function last(a: ParsedArgs, option: string): string | undefined {
  return a.given.get(option)?.at(-1);
}

// pykickstart's mountpoint type: os.path.normpath for absolute paths.
function normalizeMountpoint(p: string | undefined): string | undefined {
  if (p === undefined || !p.startsWith('/')) return p;
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
