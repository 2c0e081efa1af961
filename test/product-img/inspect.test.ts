// Inspecting product.img files: ours, GNU cpio's, gzip, xz or plain.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProductImg } from '../../src/product-img/build.js';
import { formatInspection, inspectProductImg } from '../../src/product-img/inspect.js';
import { ProductImgError } from '../../src/product-img/errors.js';
import { buildRpm, cleanupTempDirs, requireTools, sh, tempDir } from './helpers.js';

let rpm: string;
beforeAll(() => {
  requireTools();
  rpm = buildRpm(tempDir(), 'w9.gzdio');
});
afterAll(cleanupTempDirs);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('inspect', () => {
  it.each(['gzip', 'xz'] as const)('When a built %s image is inspected, then every entry has its mode, size, sha256 and link', async (compress) => {
    const out = join(tempDir(), 'product.img');
    await buildProductImg({ rpms: [rpm], take: ['usr/sbin/kexec', 'usr/bin/kstest-link'], files: [], compress }, { outPath: out });
    const i = await inspectProductImg(out);
    expect(i.compression).toBe(compress);
    expect(i.entries.map((e) => [e.path, e.mode])).toEqual([
      ['usr', '040755'],
      ['usr/bin', '040755'],
      ['usr/bin/kstest-link', '120777'],
      ['usr/sbin', '040755'],
      ['usr/sbin/kexec', '100755'],
    ]);
    const kexec = i.entries.find((e) => e.path === 'usr/sbin/kexec')!;
    expect(kexec.sha256).toBe(sha(readFileSync('/usr/sbin/kexec')));
    expect(kexec.size).toBe(readFileSync('/usr/sbin/kexec').length);
    expect(i.entries.find((e) => e.path === 'usr/bin/kstest-link')!.linkTarget).toBe('../sbin/kexec');
    const text = formatInspection(i);
    expect(text).toContain(`100755     ${kexec.size} ${kexec.sha256} usr/sbin/kexec\n`);
    expect(text).toMatch(/120777 +13 [0-9a-f]{64} usr\/bin\/kstest-link -> \.\.\/sbin\/kexec\n/);
    expect(text.split('\n')[0]).toBe(`# ${out} (${compress}, 5 entries)`);
  });

  it('When an image made by find | cpio -o -H newc | gzip is inspected, then it lists the same files', async () => {
    const d = tempDir();
    sh('mkdir -p t/usr/bin && printf "#!/bin/sh\\n" > t/usr/bin/x && chmod 0755 t/usr/bin/x && ln -s x t/usr/bin/y && cd t && find . | sort | cpio -o -H newc --quiet | gzip > ../p.img && find . | sort | cpio -o -H newc --quiet > ../plain.img', d);
    for (const img of ['p.img', 'plain.img']) {
      const i = await inspectProductImg(join(d, img));
      expect(i.compression).toBe(img === 'p.img' ? 'gzip' : 'none');
      expect(i.entries.map((e) => e.path)).toEqual(['.', 'usr', 'usr/bin', 'usr/bin/x', 'usr/bin/y']);
      const x = i.entries.find((e) => e.path === 'usr/bin/x')!;
      expect([x.mode, x.size, x.sha256]).toEqual(['100755', 10, sha(Buffer.from('#!/bin/sh\n'))]);
      expect(i.entries.find((e) => e.path === 'usr/bin/y')!.linkTarget).toBe('x');
    }
  });

  it('When the file is not an image, then the error names it', async () => {
    const f = join(tempDir(), 'notes.txt');
    writeFileSync(f, 'hello\n');
    const err = await inspectProductImg(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProductImgError);
    expect((err as Error).message).toBe(`${f}: not a product.img (no cpio newc archive inside)`);
  });
});
