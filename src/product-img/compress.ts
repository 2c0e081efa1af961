// Compression of the finished archive, byte-for-byte reproducible.
//
// gzip: node:zlib with the header fields that vary pinned (mtime 0, no name, OS "Unix").
// xz: the `xz` command, single-threaded (-T1: multi-threaded xz splits blocks differently) with a
// CRC32 check, as dracut does for initramfs images. No npm package can do this soundly today: the
// pure-JS and wasm ones only decompress; @napi-rs/lzma 1.4 (the last release that supports Node 20)
// wraps lzma-rs, whose encoder emits literals only (valid xz, no compression at all), and
// node-liblzma's wasm build needs Node 22. The same xz version gives the same bytes.
import { spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { ProductImgError } from './errors.js';

export type ImageCompression = 'gzip' | 'xz';

export async function compressImage(data: Buffer, how: ImageCompression, file: string): Promise<Buffer> {
  return how === 'gzip' ? gzipFixed(data) : await xzCommand(data, file);
}

function gzipFixed(data: Buffer): Buffer {
  const out = gzipSync(data, { level: 9 });
  out.writeUInt32LE(0, 4); // MTIME
  out[9] = 3; // OS: Unix, whatever platform built it
  return out;
}

function xzCommand(data: Buffer, file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['--format=xz', '--check=crc32', '-9', '-T1', '-c'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'the xz command is not installed (package xz / xz-utils)' : `xz failed (${e.message})`;
      reject(new ProductImgError('XZ_FAILED', file, why));
    });
    child.on('close', (code) => {
      if (code === 0) { resolve(Buffer.concat(out)); return; }
      const msg = Buffer.concat(err).toString('utf8').trim().split('\n')[0] ?? '';
      reject(new ProductImgError('XZ_FAILED', file, `xz exited with ${String(code)}${msg ? `: ${msg}` : ''}`));
    });
    child.stdin.on('error', () => {}); // reported through 'close' or 'error'
    child.stdin.end(data);
  });
}
