// Every boot format for RHEL 8, RHEL 9 and Fedora sources, as golden files (test/fixtures/boot/),
// reviewed by hand once (docs/boot.md shows them); with and without a product.img (tree mode).
// UPDATE_GOLDENS=1 rewrites them.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allFormats, BOOT_FORMATS } from '../../src/boot/boot-config.js';
import { bootSource } from '../../src/boot/source.js';
import type { Deps } from '../../src/deps.js';
import type { Installer } from '../../src/installers/installer.js';

const URL = 'http://192.0.2.10:8080';
const INSTALLERS: Installer[] = [
  { name: 'rhel8', family: 'rhel', version: '8.10', repo: 'http://mirror.example.com/rhel8/BaseOS/x86_64/os/', source: 'api' },
  { name: 'rhel9', family: 'rhel', version: '9.4', repo: 'http://mirror.example.com/rhel9/BaseOS/x86_64/os', source: 'api' },
  {
    name: 'fedora42',
    family: 'fedora',
    version: '42',
    repo: 'http://mirror.example.com/fedora/releases/42/Everything/x86_64/os',
    source: 'config',
  },
];
const GOLDEN = path.resolve('test/fixtures/boot');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'kickstand-boot-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// bootSource only looks at whether the overlay file exists.
const deps = (overlay: boolean) => {
  const productImg = path.join(scratch, overlay ? 'product.img' : 'none.img');
  if (overlay) writeFileSync(productImg, 'x');
  return { config: { productImg } } as unknown as Deps;
};

const cases = INSTALLERS.flatMap((i) => [
  { name: i.name, installer: i, overlay: false },
  { name: `${i.name}-overlay`, installer: i, overlay: true },
]);

describe('boot entries, golden', () => {
  it.each(cases.flatMap((c) => BOOT_FORMATS.map((f) => [c.name, f, c] as const)))(
    'When %s asks for %s, then it matches its golden file',
    async (name, format, c) => {
      const src = await bootSource(deps(c.overlay), URL, { installer: c.installer, ...(name === 'rhel9' ? { profile: 'el9-web' } : {}) });
      const text = allFormats(src)[format];
      const file = path.join(GOLDEN, `${name}.${format}`);
      if (process.env.UPDATE_GOLDENS === '1') {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, text);
      }
      expect(existsSync(file), `${file} missing: run with UPDATE_GOLDENS=1 and review it`).toBe(true);
      expect(text).toBe(readFileSync(file, 'utf-8'));
    },
  );

  it('When the release differs, then only what must differ does: GRUB commands and mkksiso -u', async () => {
    const [el8, el9, f42] = await Promise.all(INSTALLERS.map((i) => bootSource(deps(true), URL, { installer: i }).then(allFormats)));
    expect(el8!.grub).toMatch(/linuxefi/);
    expect(el9!.grub).toMatch(/linuxefi/);
    expect(f42!.grub).toMatch(/^ {2}linux /m);
    expect(el8!.dvd).not.toContain(' -u ');
    expect(el9!.dvd).toContain(' -u product.img');
    expect(f42!.dvd).toContain(' -u product.img');
    for (const set of [el8!, el9!, f42!])
      for (const f of ['pxelinux', 'grub', 'ipxe', 'cmdline'] as const) expect(set[f]).not.toMatch(/(?<![.\w])(ks|kssendmac|repo|stage2)=/);
  });
});
