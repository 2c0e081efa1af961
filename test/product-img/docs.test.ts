// docs/product-img.md against what it describes: the DVD lines src/boot/dvd.ts prints, the
// commands that regenerate the library lists (the same in the doc and in each list's header), and
// running the CLI without tsx (a devDependency) after `npm run build`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dvdRecipe } from '../../src/boot/dvd.js';

const doc = readFileSync('docs/product-img.md', 'utf8');
const flat = doc.replace(/\s+/g, ' ');
const LISTS = ['rhel8', 'rhel9', 'rhel10'];

describe('docs/product-img.md', () => {
  it('When the DVD example is read, then its commands are the ones GET /boot/dvd prints for RHEL 9 with an overlay', () => {
    const printed = dvdRecipe({ url: 'http://kickstand:8080', updates: 'http://kickstand:8080/updates.img', release: { family: 'rhel', major: 9 } });
    const commands = printed.split('\n').filter((l) => /^(curl|mkksiso) /.test(l));
    expect(commands).toHaveLength(3);
    for (const c of commands) expect(doc).toContain(`\n${c}\n`);
    // The stub as a file is /ks?download=1 (Content-Disposition), everywhere the doc downloads it.
    for (const line of doc.split('\n').filter((l) => l.startsWith('curl ') && l.includes('/ks'))) expect(line).toContain('/ks?download=1');
  });

  it('When the library lists are described, then the doc says they are derived and gives the commands each list header gives', () => {
    expect(flat).toContain('They are **derived, not read from a real install.img**');
    expect(flat).toContain('runtime-install.tmpl');
    const commands = [...doc.matchAll(/^(unsquashfs .*)$/gm)].map((m) => m[1]!);
    expect(commands).toHaveLength(2);
    expect(commands[0]).toContain("find mnt -name '*.so*'");
    expect(commands[1]).toMatch(/^unsquashfs -l install\.img /);
    for (const name of LISTS) {
      const header = readFileSync(`product-img/expect-libs/${name}.txt`, 'utf8');
      for (const c of commands) expect(header, name).toContain(`#   ${c}\n`);
    }
  });

  it('When the CLI is run from a production install, then the doc shows node dist/main.js and npx kickstand, which the build and bin provide', () => {
    expect(doc).toContain('node dist/main.js product-img build');
    expect(doc).toContain('npx kickstand product-img build');
    expect(flat).toContain('`npm run product-img` runs the TypeScript sources through `tsx`, a devDependency');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.bin.kickstand).toBe('dist/main.js');
    expect(pkg.dependencies.tsx).toBeUndefined();
    // Run by node itself, with the service's node flags (src/node-flags.ts, test/config/node-flags.test.ts).
    expect(readFileSync('src/main.ts', 'utf8').startsWith('#!/usr/bin/env -S node ')).toBe(true);
    const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { compilerOptions: Record<string, string> };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
  });
});
