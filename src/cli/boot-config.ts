// `kickstand boot-config --format pxelinux|grub|ipxe|cmdline|dvd [--installer NAME] [--profile NAME]
// [--repo URL] [--url URL]`: print a boot entry, the same as GET /boot/{format}. Reads the data dir
// (installers and profiles) without taking its lock: it only reads, so it works beside the service.
import { parseArgs } from 'node:util';
import { bootConfig, BOOT_FORMATS } from '../boot/boot-config.js';
import { checkPublicUrl, loadConfig } from '../config.js';
import { createDeps } from '../composition.js';
import { createLogger } from '../log.js';
import { messageOf, UsageError } from '../errors.js';

export const BOOT_CONFIG_USAGE = `usage:
  kickstand boot-config --format ${BOOT_FORMATS.join('|')} [--installer NAME | --repo URL] [--profile NAME] [--url KICKSTAND_URL]
      (--url defaults to $KICKSTAND_URL: the address machines use to reach Kickstand)`;

export async function bootConfigCommand(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        format: { type: 'string' },
        installer: { type: 'string' },
        profile: { type: 'string' },
        repo: { type: 'string' },
        url: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(messageOf(err), BOOT_CONFIG_USAGE);
  }
  if (!values.format) throw new UsageError('--format is required', BOOT_CONFIG_USAGE);
  const config = loadConfig();
  const rawUrl = values.url ?? config.publicUrl;
  if (!rawUrl)
    throw new UsageError('the machines need Kickstand’s address: pass --url http://IP:PORT or set KICKSTAND_URL', BOOT_CONFIG_USAGE);
  const url = checkPublicUrl(rawUrl);
  if (typeof url !== 'string') throw new UsageError(`--url "${rawUrl}": ${url.problem}`, BOOT_CONFIG_USAGE);
  // A reader: the service may be running and holds the data dir; nothing here changes it.
  const deps = await createDeps(config, createLogger('warn'), { reader: true, watchTemplates: false });
  try {
    out(
      // Run on the Kickstand machine with its data dir: an admin, told when the profile is not bootable.
      await bootConfig(
        deps,
        url,
        {
          format: values.format,
          ...(values.installer ? { installer: values.installer } : {}),
          ...(values.profile ? { profile: values.profile } : {}),
          ...(values.repo ? { repo: values.repo } : {}),
        },
        'admin',
      ),
    );
  } finally {
    await deps.close();
  }
}
