// `kickstand discovery-image build -o DIR [--kver VER] [--add-drivers "MOD …"] [--compress gzip|xz|zstd]
// [--network network-legacy|network-manager]`: vmlinuz + initrd.img of the dracut discovery image from
// this machine's kernel (docs/discovery-image.md). argv → one library call → a report with the sizes.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { discoveryImageEntry, IMAGE_BOOT_FORMATS, isImageBootFormat } from '../boot/discovery-image.js';
import { checkPublicUrl, loadConfig } from '../config.js';
import { buildDiscoveryImage, COMPRESSIONS, type BuildReport, type Compression } from '../discovery-image/build.js';
import { messageOf, UsageError } from '../errors.js';
import { NAME } from '../schemas/assignment.js';

export const DISCOVERY_IMAGE_USAGE = `usage:
  kickstand discovery-image build -o DIR [--kver VERSION] [--add-drivers "MODULE …"]...
                                  [--compress ${COMPRESSIONS.join('|')}] [--network network-legacy|network-manager]
      (writes DIR/vmlinuz and DIR/initrd.img; serve them with KICKSTAND_DISCOVERY_IMAGE_DIR=DIR,
       default <data dir>/discovery)
  kickstand discovery-image boot-config --format ${IMAGE_BOOT_FORMATS.join('|')} [--profile NAME] [--url KICKSTAND_URL]
      (the entry GET /discovery/boot/{format} serves; --url defaults to $KICKSTAND_URL)`;

type Out = (text: string) => void;

// `npm run … -- build -o DIR` runs in the package folder; DIR is relative to where it was typed.
const here = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);

export async function discoveryImageCommand(
  argv: string[],
  out: Out = (t) => process.stdout.write(t),
  build: typeof buildDiscoveryImage = buildDiscoveryImage,
): Promise<void> {
  const [action, ...rest] = argv;
  if (action === 'boot-config') {
    bootConfig(rest, out);
    return;
  }
  if (action !== 'build')
    throw new UsageError(action ? `unknown discovery-image command "${action}"` : 'missing discovery-image command', DISCOVERY_IMAGE_USAGE);
  let values: { output?: string; kver?: string; 'add-drivers'?: string[]; compress?: string; network?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        kver: { type: 'string' },
        'add-drivers': { type: 'string', multiple: true },
        compress: { type: 'string' },
        network: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(messageOf(err), DISCOVERY_IMAGE_USAGE);
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, DISCOVERY_IMAGE_USAGE);
  if (!values.output) throw new UsageError('-o DIR is required', DISCOVERY_IMAGE_USAGE);
  if (values.compress !== undefined && !(COMPRESSIONS as readonly string[]).includes(values.compress))
    throw new UsageError(`--compress must be ${COMPRESSIONS.join(', ')}, not "${values.compress}"`, DISCOVERY_IMAGE_USAGE);
  if (values.network !== undefined && !/^network-[a-z-]+$/.test(values.network))
    throw new UsageError(
      `--network must name a dracut network module (network-legacy, network-manager), not "${values.network}"`,
      DISCOVERY_IMAGE_USAGE,
    );
  // Module names only: they become one argument of dracut's --add-drivers, never a shell word.
  const drivers = (values['add-drivers'] ?? []).flatMap((d) => d.split(/[\s,]+/)).filter(Boolean);
  const bad = drivers.find((d) => !/^[A-Za-z0-9_-]+$/.test(d));
  if (bad !== undefined) throw new UsageError(`--add-drivers: "${bad}" is not a kernel module name`, DISCOVERY_IMAGE_USAGE);
  out(`building the discovery image with dracut (about a minute or two)…\n`);
  const report = await build({
    out: here(values.output),
    kver: values.kver,
    addDrivers: drivers,
    ...(values.compress ? { compress: values.compress as Compression } : {}),
    ...(values.network ? { network: values.network } : {}),
  });
  out(formatReport(report));
}

function bootConfig(argv: string[], out: Out, env: NodeJS.ProcessEnv = process.env): void {
  let values: { format?: string; profile?: string; url?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { format: { type: 'string' }, profile: { type: 'string' }, url: { type: 'string' } },
    }));
  } catch (err) {
    throw new UsageError(messageOf(err), DISCOVERY_IMAGE_USAGE);
  }
  if (!values.format || !isImageBootFormat(values.format))
    throw new UsageError(`--format must be one of ${IMAGE_BOOT_FORMATS.join(', ')}`, DISCOVERY_IMAGE_USAGE);
  // Like boot-config's: the entry is written for the address machines use to reach Kickstand.
  const rawUrl = values.url ?? loadConfig(env).publicUrl;
  if (!rawUrl)
    throw new UsageError('the machines need Kickstand’s address: pass --url http://IP:PORT or set KICKSTAND_URL', DISCOVERY_IMAGE_USAGE);
  const url = checkPublicUrl(rawUrl);
  if (typeof url !== 'string') throw new UsageError(`--url "${rawUrl}": ${url.problem}`, DISCOVERY_IMAGE_USAGE);
  if (values.profile !== undefined && !new RegExp(NAME).test(values.profile))
    throw new UsageError('--profile must be a profile name: letters, digits, _ . - (at most 64)', DISCOVERY_IMAGE_USAGE);
  out(discoveryImageEntry(values.format, { url, ...(values.profile ? { profile: values.profile } : {}) }));
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function formatReport(r: BuildReport): string {
  return [
    `discovery image for kernel ${r.kver} built in ${Math.round(r.ms / 1000)} s (dracut modules: ${r.modules.join(' ')})`,
    `  ${r.vmlinuz}  ${mib(r.vmlinuzBytes)} (${r.vmlinuzBytes} bytes, from ${r.kernelSource})`,
    `  ${r.initrd}  ${mib(r.initrdBytes)} (${r.initrdBytes} bytes)`,
    `  total ${mib(r.vmlinuzBytes + r.initrdBytes)}`,
    `serve it: KICKSTAND_DISCOVERY_IMAGE_DIR=${path.dirname(r.initrd)} (default <data dir>/discovery), then GET /discovery/boot/ipxe`,
    '',
  ].join('\n');
}
