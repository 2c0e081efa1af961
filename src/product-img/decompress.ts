// Payload and image decompression, all in-process: node:zlib for gzip, fzstd (pure JS) for zstd,
// xz-decompress (wasm) for xz. The old lzma-alone format (rpm's w.lzdio) is refused by name: no
// Fedora or EL release uses it, and its only decoder for Node 20 is a native module.
import { gunzipSync } from 'node:zlib';
import { decompress as unzstd } from 'fzstd';
import { ProductImgError } from './errors.js';

export type Compressor = 'gzip' | 'xz' | 'zstd' | 'none';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** Maps rpm's PAYLOADCOMPRESSOR value to a decompressor; rpm writes no tag for an uncompressed
 *  payload and reads a missing tag as gzip (which passes plain data through), so sniff then. */
export function payloadCompressor(tag: string | undefined, payload: Buffer, file: string): Compressor {
  if (tag === undefined) return payload.subarray(0, 2).equals(GZIP_MAGIC) ? 'gzip' : 'none';
  switch (tag) {
    case 'gzip':
    case 'xz':
    case 'zstd':
      return tag;
    case 'lzma':
      throw new ProductImgError('UNKNOWN_COMPRESSOR', file, 'payload compressor "lzma" (lzma-alone, rpm w.lzdio) is not supported: only gzip, xz, zstd or none');
    case 'none':
    case 'identity':
      return 'none';
    default:
      throw new ProductImgError('UNKNOWN_COMPRESSOR', file, `unknown payload compressor "${tag}"`);
  }
}

/** Guesses the compression of a product.img (or any blob) from its first bytes. */
export function sniffCompressor(data: Buffer): Compressor {
  if (data.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip';
  if (data.subarray(0, 6).equals(XZ_MAGIC)) return 'xz';
  if (data.subarray(0, 4).equals(ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

export async function decompress(data: Buffer, how: Compressor, file: string): Promise<Buffer> {
  try {
    switch (how) {
      case 'gzip':
        return gunzipSync(data);
      case 'xz':
        // The wasm decoder loads only when an xz payload or image turns up.
        return await (await import('./xz-decode.js')).xzDecompress(data);
      case 'zstd':
        return Buffer.from(unzstd(data));
      case 'none':
        return data;
    }
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ProductImgError('CORRUPT_PAYLOAD', file, `corrupt ${how} data (${why})`);
  }
}
