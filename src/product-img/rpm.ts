// Reads an rpm package without rpm: the 96-byte lead, the signature header (padded to 8 bytes), the
// main header, then the compressed cpio payload. Each failure names the file and what is wrong with it.
import { readFile } from 'node:fs/promises';
import { decompress, payloadCompressor, type Compressor } from './decompress.js';
import { ProductImgError } from './errors.js';
import { readHeader } from './rpm-header.js';
import { rpmFiles, type RpmFile } from './rpm-files.js';
import { payloadEntries, type RpmEntry } from './rpm-payload.js';
import { TAG } from './rpm-tags.js';
import { checkFileDigests, checkPayloadDigest } from './rpm-digests.js';
import { errnoOf } from '../errors.js';

export type { RpmEntry } from './rpm-payload.js';
export type { RpmFile } from './rpm-files.js';

const LEAD_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);
const LEAD_SIZE = 96;
// Signature tags holding the size of main header + payload (rpm's RPMSIGTAG_SIZE / _LONGSIZE).
const SIG_SIZE = 1000;
const SIG_LONGSIZE = 270;

export interface RpmPackage {
  file: string;
  name: string;
  version: string;
  release: string;
  arch: string;
  payloadFormat: string;
  payloadCompressor: Compressor;
  /** Every file the header lists, %ghost files included. */
  files: RpmFile[];
  /** The files actually in the payload, with their data. */
  entries: RpmEntry[];
}

export async function readRpm(path: string): Promise<RpmPackage> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new ProductImgError('BAD_INPUT', path, `cannot read (${errnoOf(err) ?? String(err)})`);
  }
  return parseRpm(buf, path);
}

export async function parseRpm(buf: Buffer, file: string): Promise<RpmPackage> {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(LEAD_MAGIC)) {
    throw new ProductImgError('NOT_RPM', file, 'not an rpm package (bad lead magic)');
  }
  if (buf.length < LEAD_SIZE) throw new ProductImgError('TRUNCATED', file, 'truncated: the lead is shorter than 96 bytes');
  const sig = readHeader(buf, LEAD_SIZE, file, 'signature');
  const mainStart = sig.end + ((8 - (sig.end % 8)) % 8);
  const { header, end } = readHeader(buf, mainStart, file, 'main');

  const format = header.string(TAG.PAYLOADFORMAT) ?? 'cpio';
  if (format !== 'cpio') throw new ProductImgError('CORRUPT_PAYLOAD', file, `unsupported payload format "${format}"`);
  // The signature knows how long header + payload are, which tells a cut-off file from a damaged one.
  const expected = sig.header.numbers(SIG_LONGSIZE)?.[0] ?? sig.header.numbers(SIG_SIZE)?.[0];
  if (expected !== undefined && buf.length < mainStart + expected) {
    throw new ProductImgError('TRUNCATED', file, `truncated: ${buf.length} bytes, the signature says ${mainStart + expected}`);
  }
  const payload = buf.subarray(end);
  if (payload.length === 0) throw new ProductImgError('TRUNCATED', file, 'truncated: the payload is missing');
  const compressor = payloadCompressor(header.string(TAG.PAYLOADCOMPRESSOR), payload, file);
  const files = rpmFiles(header, file);
  const cpio = await decompress(payload, compressor, file);
  checkPayloadDigest(header, payload, file);
  const entries = payloadEntries(cpio, files, file);
  checkFileDigests(header, files.map((f) => f.path), entries, file);
  return {
    file,
    name: header.string(TAG.NAME) ?? '',
    version: header.string(TAG.VERSION) ?? '',
    release: header.string(TAG.RELEASE) ?? '',
    arch: header.string(TAG.ARCH) ?? '',
    payloadFormat: format,
    payloadCompressor: compressor,
    files,
    entries,
  };
}
