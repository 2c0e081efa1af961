// Which pykickstart syntax version a kickstart is checked against: the one it declares, or the one its
// installer speaks.
import { KICKSTART_VERSIONS } from './grammar-data.generated.js';

export type KickstartVersion = (typeof KICKSTART_VERSIONS)[number];

/** The syntax version for an installer (facts.installer) or an explicit major version: RHEL-like
 *  8, 9, 10 → RHELn; Fedora → Fn, clamped to the versions known here. Undefined when unknown. */
export function kickstartVersion(family: 'rhel' | 'fedora', major: number): KickstartVersion | undefined {
  if (!Number.isInteger(major)) return undefined;
  if (family === 'rhel') {
    const v = `RHEL${major}`;
    return (KICKSTART_VERSIONS as readonly string[]).includes(v) ? (v as KickstartVersion) : undefined;
  }
  const fedora = KICKSTART_VERSIONS.filter((v) => v.startsWith('F')).map((v) => Number(v.slice(1)));
  const newest = Math.max(...fedora);
  const oldest = Math.min(...fedora);
  if (major > newest) return `F${newest}` as KickstartVersion; // pykickstart's newest handler is DEVEL
  if (major < oldest) return undefined;
  return `F${major}` as KickstartVersion;
}

/** The version a kickstart names on a `#version=RHEL9` line (the convention of Anaconda's
 *  anaconda-ks.cfg and pykickstart's versionFromFile; the shipped templates write one), if known here. */
export function declaredVersion(text: string): KickstartVersion | undefined {
  const v = /^#version=([A-Za-z0-9]+)[ \t]*$/m.exec(text)?.[1]?.toUpperCase();
  return (KICKSTART_VERSIONS as readonly string[]).includes(v ?? '') ? (v as KickstartVersion) : undefined;
}
