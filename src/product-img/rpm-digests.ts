// rpm records digests of its payload (PAYLOADDIGEST, over the compressed bytes) and of every file
// (FILEDIGESTS). A damaged package can still decompress — gzip and xz check themselves, but a zstd
// frame without a checksum turns flipped bytes into flipped file contents — so both are verified:
// what goes into an installer image must be exactly what the package holds.
import { createHash } from 'node:crypto';
import { ProductImgError } from './errors.js';
import type { RpmHeader } from './rpm-header.js';
import type { RpmEntry } from './rpm-payload.js';
import { HASH_ALGO, TAG } from './rpm-tags.js';

export function checkPayloadDigest(header: RpmHeader, payload: Buffer, file: string): void {
  const expected = header.strings(TAG.PAYLOADDIGEST)?.[0];
  if (!expected) return;
  const algo = algorithm(header.numbers(TAG.PAYLOADDIGESTALGO)?.[0] ?? 8, file);
  if (createHash(algo).update(payload).digest('hex') !== expected.toLowerCase()) {
    throw new ProductImgError('CORRUPT_PAYLOAD', file, `corrupt payload: its ${algo} does not match the header's PAYLOADDIGEST`);
  }
}

/** Every regular file with data must hash to its FILEDIGESTS entry (rpm's own check at install). */
export function checkFileDigests(header: RpmHeader, paths: string[], entries: RpmEntry[], file: string): void {
  const digests = header.strings(TAG.FILEDIGESTS);
  if (!digests) return;
  const algo = algorithm(header.numbers(TAG.FILEDIGESTALGO)?.[0] ?? 1, file);
  const byPath = new Map(paths.map((p, i) => [p, digests[i]]));
  for (const e of entries) {
    const want = byPath.get(e.path);
    if (!want || (e.mode & 0o170000) !== 0o100000) continue;
    if (createHash(algo).update(e.data).digest('hex') !== want.toLowerCase()) {
      throw new ProductImgError('CORRUPT_PAYLOAD', file, `corrupt payload: ${e.path} does not match its ${algo} in the header`);
    }
  }
}

function algorithm(id: number, file: string): string {
  const name = HASH_ALGO[id];
  if (!name) throw new ProductImgError('CORRUPT_HEADER', file, `corrupt rpm header: unknown digest algorithm ${id}`);
  return name;
}
