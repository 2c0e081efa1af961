// The boot page: the lines to put in each boot loader for this server, for the installer, profile or
// repo typed in its form. A source that does not check out is shown next to its field, with the
// lines for the default source below.
import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { profileView } from '../../profiles/profile.js';
import { allFormats, checkedSource } from '../../boot/boot-config.js';
import { PLACEHOLDER_REPO, type BootSource } from '../../boot/options.js';
import { overlayBuilt } from '../../boot/source.js';
import { discoveryImageEntry } from '../../boot/discovery-image.js';
import { builtImage } from '../../discovery-image/built.js';
import { listInstallers } from '../../installers/manage.js';
import { isBootable } from '../../profiles/profile.js';
import { baseUrl, baseUrlWarnings } from '../../http/base-url.js';
import { dhcpChain, dhcpSnippets, ipxeScriptUrl } from '../../boot/dhcp-snippets.js';
import { isFormError } from '../form-errors.js';
import type { PageKit } from '../kit.js';

export function bootPage(deps: Deps, { page, loggedIn }: PageKit): Router {
  const router = Router();
  router.get('/boot', loggedIn, async (req, res) => {
    const url = baseUrl(req, deps.config.publicUrl);
    const q = (name: string) => (typeof req.query[name] === 'string' ? req.query[name].trim() : '');
    const typed = { installer: q('installer'), profile: q('profile'), repo: q('installer') ? '' : q('repo') };
    let src: BootSource;
    let error: { field: string; message: string } | undefined;
    try {
      src = await checkedSource(
        deps,
        url,
        {
          ...(typed.installer ? { installer: typed.installer } : {}),
          ...(typed.profile ? { profile: typed.profile } : {}),
          ...(typed.repo ? { repo: typed.repo } : {}),
        },
        'admin',
      );
    } catch (err) {
      if (!isFormError(err)) throw err;
      error = { field: err.field ?? 'repo', message: err.message };
      src = await checkedSource(deps, url, {}, 'admin');
    }
    const chain = dhcpChain(url, ipxeScriptUrl(url, error ? {} : typed));
    res.status(error ? 400 : 200);
    page(res, 'boot.njk', {
      title: 'Boot',
      nav: 'boot',
      typed,
      installers: await listInstallers(deps),
      // Only bootable profiles are offered: a line naming another one would be ignored at discovery.
      profiles: (await deps.store.profiles.list()).filter(isBootable).map(profileView),
      overlay: await overlayBuilt(deps),
      placeholder: PLACEHOLDER_REPO,
      error,
      lines: allFormats(src),
      // A URL machines cannot reach is the first thing to fix, so the page says so above the lines.
      url,
      url_warnings: baseUrlWarnings(url, deps.config.publicUrl, req.headers.host),
      host_header: req.headers.host,
      // DHCP chaining to the script for the source the lines use (a refused one falls back like them).
      dhcp: dhcpSnippets(chain),
      dhcp_script: chain.script,
      dhcp_tftp: chain.tftpServer,
      // The dracut discovery image's entries (docs/discovery-image.md): shown built or not, with its sizes.
      image: {
        built: await builtImage(deps.config.discoveryImageDir),
        ipxe: discoveryImageEntry('ipxe', src),
        grub: discoveryImageEntry('grub', src),
        uefiHttp: discoveryImageEntry('uefi-http', src),
      },
    });
  });
  return router;
}
