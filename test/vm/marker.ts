// The marker kernel a VM is sent into (kexec, stage): the same kernel with a tiny initrd (static busybox,
// an /init that prints a marker and /proc/cmdline on ttyS0, then powers off), served from here by a
// file server the guest reaches through a second per-connection forward on the service's address.
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Booted } from './harness.js';
import { GUEST_SERVICE_ADDR, type VmOptions } from './qemu.js';

/** The marker of the kernel a kexec assignment starts (KICKSTAND-KEXEC-OK, KICKSTAND-KEXEC-CMDLINE: …). */
export const KEXEC_MARKER = 'KICKSTAND-KEXEC';

/** The guest port of the file server, on the service's guest address. */
export const FILES_PORT = 8081;

function markerInit(marker: string): string {
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec >/dev/ttyS0 2>&1
echo ${marker}-OK
echo "${marker}-CMDLINE: $(/bin/busybox cat /proc/cmdline)"
/bin/busybox poweroff -f
`;
}

/** newc cpio of the /init printing `<marker>-OK` and `<marker>-CMDLINE: …`, and a static busybox, gzip'd, in `dir`. */
export async function markerInitrd(dir: string, marker: string): Promise<string> {
  const root = path.join(dir, 'marker-root');
  await mkdir(path.join(root, 'bin'), { recursive: true });
  await writeFile(path.join(root, 'init'), markerInit(marker));
  await chmod(path.join(root, 'init'), 0o755);
  execFileSync('cp', ['/bin/busybox', path.join(root, 'bin/busybox')]);
  const out = path.join(dir, 'marker-initrd.gz');
  execFileSync('sh', ['-c', `cd "${root}" && find . | cpio --quiet -o -H newc | gzip -1 > "${out}"`]);
  return out;
}

/** The command line the marker kernel printed, once both lines are on the console (or `b.fail`). */
export async function waitMarker(b: Pick<Booted, 'vm' | 'fail'>, marker: string, ms: number): Promise<string> {
  // Up to the line's end: a match on a half-received line would capture part of it.
  const re = new RegExp(`${marker}-OK\\r?\\n${marker}-CMDLINE: ([^\\r\\n]*)\\r?\\n`);
  const m = await Promise.race([b.vm.waitFor(re, ms), b.fail]);
  return m[1]!;
}

export interface FileServer {
  /** Its port on 127.0.0.1. */
  port: number;
  /** The paths asked for, in order. */
  requests: string[];
  /** bootVm's forward of FILES_PORT on the service's guest address to it. */
  forward: NonNullable<VmOptions['forwards']>[number];
  /** Its URL as the guest sees it. */
  base: string;
  stop: () => Promise<void>;
}

/** Serves `files` by name on 127.0.0.1, recording the paths asked for. */
export async function startFileServer(files: Record<string, string>): Promise<FileServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const file = files[(req.url ?? '').slice(1)];
    if (!file) return void res.writeHead(404).end();
    void stat(file).then((s) => {
      res.writeHead(200, { 'Content-Length': s.size, 'Content-Type': 'application/octet-stream' });
      createReadStream(file).pipe(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    forward: { guestAddr: GUEST_SERVICE_ADDR, guestPort: FILES_PORT, hostPort: port },
    base: `http://${GUEST_SERVICE_ADDR}:${FILES_PORT}`,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

/** The kexec assignment into the served kernel (`vmlinuz`) and marker initrd (`initrd.gz`). */
export function kexecAssignment(files: Pick<FileServer, 'base'>, append: string): object {
  return { action: 'kexec', kernel: `${files.base}/vmlinuz`, initrd: `${files.base}/initrd.gz`, append };
}
