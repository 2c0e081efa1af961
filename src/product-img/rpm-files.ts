// The file list an rpm header describes: one row per file, built from the parallel arrays (paths
// from BASENAMES+DIRNAMES+DIRINDEXES, or OLDFILENAMES in packages older than rpm 4.0).
import { ProductImgError } from './errors.js';
import type { RpmHeader } from './rpm-header.js';
import { RPMFILE_GHOST, TAG } from './rpm-tags.js';
import { isReg } from './modes.js';
import { stripRoot } from './paths.js';

export interface RpmFile {
  path: string;
  mode: number;
  user: string;
  group: string;
  size: number;
  linkTarget: string;
  flags: number;
  ghost: boolean;
  /** Index of the file holding the data of this file's hard-link group (itself if none). */
  dataFrom: number;
}

export function rpmFiles(h: RpmHeader, file: string): RpmFile[] {
  const corrupt = (what: string) => new ProductImgError('CORRUPT_HEADER', file, `corrupt rpm header: ${what}`);
  const paths = filePaths(h, corrupt);
  const n = paths.length;
  const arr = <T>(tag: number, values: T[] | undefined, fallback?: T): T[] => {
    if (values === undefined && fallback !== undefined) return new Array<T>(n).fill(fallback);
    if (values === undefined || values.length !== n) throw corrupt(`tag ${tag} does not list every file`);
    return values;
  };
  if (n === 0) return [];
  const modes = arr(TAG.FILEMODES, h.numbers(TAG.FILEMODES));
  const sizes = arr(TAG.LONGFILESIZES, h.numbers(TAG.LONGFILESIZES) ?? h.numbers(TAG.FILESIZES));
  const users = arr(TAG.FILEUSERNAME, h.strings(TAG.FILEUSERNAME), 'root');
  const groups = arr(TAG.FILEGROUPNAME, h.strings(TAG.FILEGROUPNAME), 'root');
  const links = arr(TAG.FILELINKTOS, h.strings(TAG.FILELINKTOS), '');
  const flags = arr(TAG.FILEFLAGS, h.numbers(TAG.FILEFLAGS), 0);
  const inodes = arr(TAG.FILEINODES, h.numbers(TAG.FILEINODES), -1);
  const devices = arr(TAG.FILEDEVICES, h.numbers(TAG.FILEDEVICES), 0);

  // rpm groups hard links by (device, inode) among regular, non-ghost files and stores the
  // data with the last of them in header order (lib/rpmfi.cc).
  const lastOfGroup = new Map<string, number>();
  const key = (i: number) => `${devices[i]}:${inodes[i]}`;
  const linked = (i: number) => isReg(modes[i]!) && !((flags[i]! & RPMFILE_GHOST) !== 0) && inodes[i]! >= 0;
  for (let i = 0; i < n; i++) if (linked(i)) lastOfGroup.set(key(i), i);

  return paths.map((path, i) => ({
    path,
    mode: modes[i]!,
    user: users[i]!,
    group: groups[i]!,
    size: sizes[i]!,
    linkTarget: links[i]!,
    flags: flags[i]!,
    ghost: (flags[i]! & RPMFILE_GHOST) !== 0,
    dataFrom: linked(i) ? lastOfGroup.get(key(i))! : i,
  }));
}

function filePaths(h: RpmHeader, corrupt: (what: string) => ProductImgError): string[] {
  const base = h.strings(TAG.BASENAMES);
  if (base === undefined) return (h.strings(TAG.OLDFILENAMES) ?? []).map(stripRoot);
  const dirs = h.strings(TAG.DIRNAMES);
  const idx = h.numbers(TAG.DIRINDEXES);
  if (!dirs || !idx || idx.length !== base.length) throw corrupt('file names without matching directories');
  return base.map((b, i) => {
    const d = dirs[idx[i]!];
    if (d === undefined) throw corrupt(`file ${i} points at a missing directory`);
    return stripRoot(d + b);
  });
}
