// xz decoding in-process through xz-decompress (xz-embedded compiled to wasm, no native code),
// with rpm's SHA-256 checks handled by xz-sha256.ts.
import { createRequire } from 'node:module';
import { stripSha256, verifySha256 } from './xz-sha256.js';

// xz-decompress is CommonJS without named ESM exports.
const { XzReadableStream } = createRequire(import.meta.url)('xz-decompress') as {
  XzReadableStream: new (s: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
};

// xz-embedded's enum xz_ret, as the wasm wrapper reports it ("failed with error code N").
const XZ_RET: Record<string, string> = {
  '2': 'unsupported integrity check',
  '3': 'out of memory',
  '4': 'dictionary too large',
  '5': 'not xz data',
  '6': 'unsupported options',
  '7': 'damaged data',
  '8': 'data ends too early',
};

export async function xzDecompress(data: Buffer): Promise<Buffer> {
  const { data: plain, blocks } = stripSha256(data);
  const input = new Blob([plain]).stream() as ReadableStream<Uint8Array>;
  let out: Buffer;
  try {
    out = Buffer.from(await new Response(new XzReadableStream(input)).arrayBuffer());
  } catch (err) {
    const code = /error code (\d+)/.exec(String(err))?.[1];
    throw new Error(code ? (XZ_RET[code] ?? `decoder error ${code}`) : String(err), { cause: err });
  }
  if (!verifySha256(out, blocks)) throw new Error('SHA-256 check failed');
  return out;
}
