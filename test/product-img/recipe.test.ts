// Recipes: the schema, relative paths, and errors that name the field at fault.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProductImgError } from '../../src/product-img/errors.js';
import { loadRecipe } from '../../src/product-img/recipe.js';
import { parseExpectLibs, loadExpectLibs } from '../../src/product-img/expect-libs.js';
import { cleanupTempDirs, tempDir } from './helpers.js';

afterAll(cleanupTempDirs);

async function recipeError(content: string): Promise<string> {
  const f = join(tempDir(), 'r.json');
  writeFileSync(f, content);
  const err = await loadRecipe(f).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProductImgError);
  expect((err as ProductImgError).code).toBe('BAD_RECIPE');
  return (err as ProductImgError).message.slice(f.length + 2);
}

describe('recipes', () => {
  it('When the example kexec recipe is loaded, then its paths resolve next to it', async () => {
    const r = await loadRecipe('product-img/kexec.json');
    expect(r.preset).toBe('kexec');
    expect(r.compress).toBe('xz');
    expect(r.rpms).toEqual([resolve('product-img/kexec-tools-2.0.28-1.el9.x86_64.rpm')]);
    expect(r.expectLibs).toBe(resolve('product-img/expect-libs/rhel9.txt'));
    expect(r.take).toEqual([]);
  });

  it('When files have modes, then octal strings and numbers both work', async () => {
    const d = tempDir();
    const f = join(d, 'r.json');
    writeFileSync(f, JSON.stringify({ compress: 'gzip', files: [{ src: 'a', dest: 'usr/bin/a', mode: '0755' }, { src: 'b', dest: 'b', mode: 420 }] }));
    const r = await loadRecipe(f);
    expect(r.files).toEqual([
      { src: join(d, 'a'), dest: 'usr/bin/a', mode: 0o755 },
      { src: join(d, 'b'), dest: 'b', mode: 0o644 },
    ]);
  });

  it.each([
    ['{}', 'field "compress" is required'],
    ['{"compress":"bzip2"}', 'field "compress" must be one of "gzip", "xz"'],
    ['{"compress":"xz","rpm":[]}', 'field "rpm" is not a known field'],
    ['{"compress":"xz","files":[{"src":"a"}]}', 'field "files[0].dest" is required'],
    ['{"compress":"xz","files":[{"src":"a","dest":"b","mode":"999"}]}', 'field "files[0].mode" must be a number up to 4095 or an octal string like "0755"'],
    ['{"compress":"xz","take":[3]}', 'field "take[0]" must be string'],
    ['{"compress":"xz","preset":"grub"}', 'field "preset" must be one of "kexec"'],
    ['{"compress":', 'not valid JSON'],
  ])('When the recipe is %s, then the error says: %s', async (content, message) => {
    expect(await recipeError(content)).toContain(message);
  });
});

describe('expect-libs lists', () => {
  it('When a list has comments and blanks, then only sonames remain', () => {
    expect([...parseExpectLibs('# head\n\nlibc.so.6\n  libz.so.1  # zlib\n')]).toEqual(['libc.so.6', 'libz.so.1']);
  });

  it.each([
    ['rhel8', 'libcrypto.so.1.1'],
    ['rhel9', 'libcrypto.so.3'],
    ['rhel10', 'libcrypto.so.3'],
  ])('When the %s list is read, then it has glibc, zlib, xz, zstd and %s, and says where each name comes from', async (name, crypto) => {
    const path = `product-img/expect-libs/${name}.txt`;
    const libs = await loadExpectLibs(path);
    for (const l of ['libc.so.6', 'libm.so.6', 'libz.so.1', 'liblzma.so.5', 'libzstd.so.1', crypto]) expect(libs.has(l), l).toBe(true);
    expect(libs.has('libanl.so.1')).toBe(false);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(`lorax ${name}-branch (github.com/weldr/lorax, commit `);
    expect(text).toContain('share/templates.d/99-generic/runtime-install.tmpl');
    expect(text).toContain('DERIVED, NOT READ FROM A REAL install.img');
    expect(text).toContain('approximation');
    for (const l of libs) expect(l).toMatch(/^(lib|ld)[\w+.-]*\.so(\.[\d.]+)?$/);
    // Every soname names the package it comes from.
    const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines).toHaveLength(libs.size);
    for (const l of lines) expect(l).toMatch(/^\S+ +# [a-z0-9][\w+.-]*( [\d.]+| \([\w ]+\))?$/);
  });
});
