// The kexec action for real: the host is assigned `kexec` with a kernel (the same Debian vmlinuz) and a
// tiny initrd (static busybox, an /init that prints a marker and /proc/cmdline, then powers off), both
// served by a static server here that the guest reaches through a second per-connection forward. The
// %pre downloads them, loads them with `kexec -l` and starts them with `kexec -e` (no systemctl in the
// image); the new kernel must come up with the assigned append line.
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootInstaller, startRig, vmEnv, waitRegistered, type Cleanups, type VmEnv } from './harness.js';
import { GUEST_SERVICE_ADDR } from './qemu.js';

const FILES_PORT = 8081;
const MARKER = 'KICKSTAND-KEXEC-OK';
const APPEND = 'console=ttyS0 panic=-1 kickstand.kexec=second-kernel quiet';
const INIT = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec >/dev/ttyS0 2>&1
echo ${MARKER}
echo "KICKSTAND-KEXEC-CMDLINE: $(/bin/busybox cat /proc/cmdline)"
/bin/busybox poweroff -f
`;

let env: VmEnv;
beforeAll(async () => {
  env = await vmEnv();
}, 600_000);

const cleanups: Cleanups = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  console.info(`vm test (kexec): accel ${env?.accel}, image ${env?.image.cached ? 'cached' : 'built'}`, env?.timings);
});

/** newc cpio of /init and a static busybox, gzip'd. */
async function markerInitrd(dir: string): Promise<string> {
  const root = path.join(dir, 'kexec-root');
  await mkdir(path.join(root, 'bin'), { recursive: true });
  await writeFile(path.join(root, 'init'), INIT);
  await chmod(path.join(root, 'init'), 0o755);
  execFileSync('cp', ['/bin/busybox', path.join(root, 'bin/busybox')]);
  const out = path.join(dir, 'kexec-initrd.gz');
  execFileSync('sh', ['-c', `cd "${root}" && find . | cpio --quiet -o -H newc | gzip -1 > "${out}"`]);
  return out;
}

/** Serves `files` by name on 127.0.0.1, recording the paths asked for. */
async function fileServer(files: Record<string, string>, cleanups: Cleanups): Promise<{ port: number; asked: string[] }> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    const file = files[(req.url ?? '').slice(1)];
    if (!file) return void res.writeHead(404).end();
    void stat(file).then((s) => {
      res.writeHead(200, { 'Content-Length': s.size, 'Content-Type': 'application/octet-stream' });
      createReadStream(file).pipe(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { port: (server.address() as AddressInfo).port, asked };
}

describe('the kexec action in a real kernel', () => {
  it('When a registered VM is assigned kexec, then it downloads the kernel and initrd, kexecs, and the new kernel runs with the assigned append line', async () => {
    const rig = await startRig(cleanups);
    const initrd = await markerInitrd(rig.work);
    const files = await fileServer({ vmlinuz: env.image.kernel, 'initrd.gz': initrd }, cleanups);
    const b = bootInstaller(env, rig, cleanups, 'kexec', {
      forwards: [{ guestAddr: GUEST_SERVICE_ADDR, guestPort: FILES_PORT, hostPort: files.port }],
    });
    const host = await waitRegistered(rig, b);
    env.timings.bootToRegistrationMs = Date.now() - b.booted;
    expect(host.facts.kexec).toMatchObject({ available: true });

    const base = `http://${GUEST_SERVICE_ADDR}:${FILES_PORT}`;
    const res = await rig.admin('POST', `/api/v1/hosts/${host.id}/assignment`, {
      action: 'kexec',
      kernel: `${base}/vmlinuz`,
      initrd: `${base}/initrd.gz`,
      append: APPEND,
    });
    expect(res.status, await res.clone().text()).toBe(200);

    const m = await Promise.race([b.vm.waitFor(new RegExp(`${MARKER}\\r?\\nKICKSTAND-KEXEC-CMDLINE: ([^\\r\\n]*)`), 180_000), b.fail]);
    env.timings.bootToKexecMarkerMs = Date.now() - b.booted;
    expect(m[1]!.trim()).toBe(APPEND);
    expect(files.asked).toEqual(['/vmlinuz', '/initrd.gz']);
    // The marker kernel powers off: qemu ends by itself.
    await Promise.race([b.vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  }, 420_000);
});
