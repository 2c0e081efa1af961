// The in-process lint agrees with pykickstart on what Kickstand ships: every golden kickstart (each
// validated with the real ksvalidator, docs/templates.md) and the stub for every version have no
// finding; the lint does find the faults authors make.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKickstartEnvironment } from '../../src/kickstart/render/environment.js';
import type { KickstartVersion } from '../../src/kickstart/validate/index.js';
import { lintKickstart, versionFor } from '../../src/templates/lint.js';
import { EXAMPLES } from '../support/kickstart-examples.js';

describe('lint of shipped kickstarts', () => {
  it.each(Object.entries(EXAMPLES))(
    'When golden %s is linted as its pykickstart version, then there is no finding',
    (name, [, version]) => {
      const text = readFileSync(path.join('test/fixtures/rendered', `${name}.ks`), 'utf-8');
      expect(lintKickstart(text, version as KickstartVersion, true)).toEqual([]);
    },
  );

  it.each(['RHEL8', 'RHEL9', 'RHEL10', 'F42'] as KickstartVersion[])(
    'When the stub is rendered and linted as %s (read directly, not included), then its one finding is the %include it exists for',
    (version) => {
      const env = createKickstartEnvironment(path.resolve('kickstarts'), { watch: false });
      const stub = env.render('stub.ks.njk', { kickstand: { url: 'http://192.0.2.10:8080' } });
      env.close();
      // The stub's %include of the file its %pre writes is the design (anaconda.md §2); the lint says it
      // cannot check that file, as a warning, and finds nothing else.
      expect(lintKickstart(stub, version, false).map((f) => [f.code, f.severity, f.message])).toEqual([
        ['INCLUDE', 'warning', '%include /tmp/kickstand.ks: the included file is not checked here, and Anaconda stops if it is missing'],
      ]);
    },
  );

  it('When the version is chosen, then #version= wins, then the installer, then RHEL9', () => {
    expect(versionFor('#version=RHEL10\ntext\n', { installer: { id: 'rocky', version_id: '8.10' } } as never)).toBe('RHEL10');
    expect(versionFor('text\n', { installer: { id: 'almalinux', version_id: '9.4' } } as never)).toBe('RHEL9');
    expect(versionFor('text\n', { installer: { id: 'fedora', version_id: '42' } } as never)).toBe('F42');
    expect(versionFor('text\n', { installer: { id: 'gentoo', version_id: '1' } } as never)).toBe('RHEL9');
    expect(versionFor('text\n')).toBe('RHEL9');
  });

  it.each(Object.keys(EXAMPLES))(
    'When golden %s is read, then its install callbacks are there, installed last of all %%post scripts',
    (name) => {
      const text = readFileSync(path.join('test/fixtures/rendered', `${name}.ks`), 'utf-8');
      const headers = text.split('\n').filter((l) => /^%(pre-install|post|onerror)\b/.test(l));
      expect(headers).toEqual(['%post --log=/root/kickstand-post.log', '%pre-install', '%post --nochroot', '%onerror']);
      for (const stage of ['installing', 'installed', 'failed']) expect(text).toMatch(new RegExp(`^kickstand_event ${stage} `, 'm'));
      // No token in a kickstart: the callbacks read it from the installer's memory.
      expect(text).not.toMatch(/Bearer [A-Za-z0-9_-]{10,}/);
    },
  );
});
