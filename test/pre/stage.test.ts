// The stage action's shell (kickstarts/discovery/stage.sh) on this machine, with nothing real touched:
// efibootmgr, sgdisk, sfdisk, mkfs.vfat, grub-install, mount, umount, lsblk and reboot are fakes on a
// restricted PATH that record their argv (efibootmgr keeps its entries in a file), /dev is a folder,
// /sys a fabricated one, and the files and the events URL come from a server on 127.0.0.1.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitOf, extractPre, extractSection, preWorkspace, renderStub, runPre, runSourced, sourcedPre } from '../support/pre-script.js';
import { makeRestrictedPath, type RestrictedPath } from '../support/restricted-path.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const KERNEL = Buffer.from('MZ fake kernel image\n'.repeat(100));
const INITRD = Buffer.from('070701 fake initrd\n'.repeat(300));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const ESP = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const TOKEN = 'tok_stage_0123456789SECRET';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

/** The mirror and the service in one: /vmlinuz, /initrd.img, and POST …/events recorded. */
async function server(
  files: Record<string, Buffer> = { '/vmlinuz': KERNEL, '/initrd.img': INITRD },
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body: Buffer.concat(chunks).toString() });
      if (req.method === 'POST') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      const file = files[req.url!];
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Length': file.length }).end(file);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => srv.close(r)));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen };
}

function answer(url: string, over: Record<string, string | undefined> = {}): string {
  const lines: Record<string, string | undefined> = {
    kernel: `${url}/vmlinuz`,
    kernel_sha256: sha(KERNEL),
    kernel_size: String(KERNEL.length),
    initrd: `${url}/initrd.img`,
    initrd_sha256: sha(INITRD),
    initrd_size: String(INITRD.length),
    append: 'inst.repo=http://mirror/os inst.ks=http://mirror/ks.cfg console=ttyS0',
    ...over,
  };
  return Object.entries(lines)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v}\n`)
    .join('');
}

/** A blank 1 GiB virtio disk, as lsblk prints it. */
const BLANK = 'NAME="vda" TYPE="disk" SIZE="1073741824" PTTYPE="" PARTTYPE="" PARTLABEL="" FSTYPE=""\n';
const DISKS =
  'NAME="sr0" TYPE="rom" RM="1" RO="0" SIZE="1000"\nNAME="sdb" TYPE="disk" RM="1" RO="0" SIZE="8000000000"\nNAME="vda" TYPE="disk" RM="0" RO="0" SIZE="1073741824"\n';

// The fakes. FAKE (a folder) holds what lsblk prints and efibootmgr's NVRAM; KICKSTAND_DEV is /dev.
const STUBS: Record<string, string> = {
  lsblk: `case "$*" in
  *"-d -n -b -P"*) cat "$FAKE/lsblk-disks" ;;
  *"-r -o NAME,PARTTYPE"*) cat "$FAKE/lsblk-parttypes" 2>/dev/null ;;
  *) cat "$FAKE/lsblk-disk" ;;
esac`,
  sgdisk: `[ -z "$FAKE_FAIL_sgdisk" ] || exit 4; : > "$KICKSTAND_DEV/vda1"; : > "$KICKSTAND_DEV/vda2"`,
  sfdisk: `cat > "$FAKE/sfdisk-stdin"; : > "$KICKSTAND_DEV/vda1"; : > "$KICKSTAND_DEV/vda2"`,
  'mkfs.vfat': 'exit 0',
  mount: 'exit 0',
  umount: 'exit 0',
  udevadm: 'exit 0',
  'grub-install': `for a in "$@"; do case $a in --boot-directory=*) mkdir -p "\${a#*=}/grub" ;; esac; done`,
  efibootmgr: `state=$FAKE/nvram; next=$FAKE/bootnext
[ -f "$state" ] || echo 'Boot0000* UiApp' > "$state"
case " $* " in
  *" --help "*) echo '	-C | --create-only	create new variable bootnum and do not add to bootorder'; exit 0 ;;
  *" --create-only "*) printf 'Boot%04X* Kickstand stage\\n' "$(wc -l < "$state")" >> "$state"; exit 0 ;;
  *" --bootnext "*) [ -n "$FAKE_NO_BOOTNEXT" ] || echo "\${@: -1}" > "$next"; exit 0 ;;
  *" -B "*) grep -v "^Boot$3" "$state" > "$state.new"; mv "$state.new" "$state"; rm -f "$next"; exit 0 ;;
esac
[ -s "$next" ] && echo "BootNext: $(cat "$next")"
echo 'BootOrder: 0000'
cat "$state"`,
};

interface Rig {
  fake: string;
  dev: string;
  sys: string;
  bin: RestrictedPath;
  stateDir: string;
  run(body: string, env?: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function rig(opts: { firmware?: 'uefi' | 'bios'; disk?: string; without?: string[] } = {}): Promise<Rig> {
  const { ws, cleanup } = await sourcedPre();
  cleanups.push(cleanup);
  const root = await mkdtemp(path.join(os.tmpdir(), 'kickstand-stage-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const fake = path.join(root, 'fake');
  const dev = path.join(root, 'dev');
  const sys = path.join(root, 'sys');
  for (const d of [fake, dev, path.join(sys, 'class/net/eth0')]) await mkdir(d, { recursive: true });
  await writeFile(path.join(sys, 'class/net/eth0/address'), '52:54:00:12:34:56\n');
  if ((opts.firmware ?? 'uefi') === 'uefi') await mkdir(path.join(sys, 'firmware/efi/efivars'), { recursive: true });
  await writeFile(path.join(dev, 'vda'), '');
  await writeFile(path.join(fake, 'lsblk-disks'), DISKS);
  await writeFile(path.join(fake, 'lsblk-disk'), opts.disk ?? BLANK);
  const grubPc = path.join(root, 'grub-i386-pc');
  await mkdir(grubPc);
  const bin = await makeRestrictedPath({ stubs: STUBS, without: opts.without ?? [] });
  cleanups.push(() => bin.cleanup());
  const env = { ...ws.env, FAKE: fake, KICKSTAND_DEV: dev, KICKSTAND_SYSFS: sys, KICKSTAND_GRUB_PC: grubPc };
  return {
    fake,
    dev,
    sys,
    bin,
    stateDir: ws.stateDir,
    async run(body, more = {}) {
      const res = await runSourced(ws.script, body, bin.binDir, { ...env, ...more });
      return { code: res.code, stdout: res.stdout.toString(), stderr: res.stderr };
    },
  };
}

/** stage_into as pre.sh calls it, for the answer `text`, as host h1 polling `url`. */
async function stage(r: Rig, url: string, text: string, env: Record<string, string> = {}) {
  const answerFile = path.join(r.stateDir, 'answer');
  await mkdir(r.stateDir, { recursive: true });
  await writeFile(answerFile, text);
  return r.run(
    [
      `mkdir -p "$STATE_DIR"; RESPONSE_BODY='${answerFile}'; RESPONSE_HEADERS="$STATE_DIR/h"`,
      `NEXT_URL='${url}/api/v1/discovery/h1/next'; HOST_TOKEN='${TOKEN}'; HOST_ID=h1`,
      'stage_into; echo "stage_into returned $?"',
    ].join('\n'),
    env,
  );
}

const mnt = (r: Rig) => path.join(r.stateDir, 'stage/mnt');
const events = (seen: Seen[]) => seen.filter((s) => s.method === 'POST').map((s) => ({ url: s.url, auth: s.auth, ...JSON.parse(s.body) }));

describe('stage on UEFI', () => {
  it('When a blank disk is staged, then it gets a GPT with one EFI system partition, the checked files, a boot entry as BootNext, and the machine reboots', async () => {
    const srv = await server();
    const r = await rig();
    const res = await stage(r, srv.url, answer(srv.url));
    expect(res.stdout).toContain('stage_into returned 0');
    expect(await r.bin.calls('sgdisk')).toEqual([['-o', '-n', '1:2048:+512M', '-t', '1:ef00', '-c', '1:KICKSTAND', `${r.dev}/vda`]]);
    expect(await r.bin.calls('mkfs.vfat')).toEqual([['-F', '32', '-n', 'KICKSTAND', `${r.dev}/vda1`]]);
    expect(await r.bin.calls('mount')).toEqual([['-t', 'vfat', `${r.dev}/vda1`, mnt(r)]]);
    expect(await readFile(path.join(mnt(r), 'EFI/kickstand/vmlinuz.efi'))).toEqual(KERNEL);
    expect(await readFile(path.join(mnt(r), 'EFI/kickstand/initrd.img'))).toEqual(INITRD);
    const efi = await r.bin.calls('efibootmgr');
    expect(efi).toContainEqual([
      '-q',
      '--create-only',
      '--disk',
      `${r.dev}/vda`,
      '--part',
      '1',
      '--label',
      'Kickstand stage',
      '--loader',
      '\\EFI\\kickstand\\vmlinuz.efi',
      '--unicode',
      'initrd=\\EFI\\kickstand\\initrd.img inst.repo=http://mirror/os inst.ks=http://mirror/ks.cfg console=ttyS0',
    ]);
    expect(efi).toContainEqual(['-q', '--bootnext', '0001']);
    expect(await readFile(path.join(r.fake, 'bootnext'), 'utf8')).toBe('0001\n');
    expect(await r.bin.calls('reboot')).toEqual([[]]);
    // Unmounted before the reboot; the timeline says where it went; the token only in the header.
    expect((await r.bin.calls('umount')).length).toBe(1);
    expect(events(srv.seen)).toEqual([
      expect.objectContaining({
        url: '/api/v1/discovery/h1/events',
        auth: `Bearer ${TOKEN}`,
        stage: 'installing',
        event_id: 'stage-installing',
      }),
    ]);
    expect(events(srv.seen)[0].message).toMatch(
      /^staged http:\/\/127\.0\.0\.1:\d+\/vmlinuz on vda \(EFI system partition vda1, boot entry Boot0001 as BootNext\)/,
    );
    expect(await r.bin.calls('sfdisk')).toEqual([]);
  });

  it('When the disk already has an EFI system partition, then it is reused: nothing is partitioned or formatted', async () => {
    const srv = await server();
    const disk =
      'NAME="vda" TYPE="disk" SIZE="1073741824" PTTYPE="gpt" PARTTYPE="" PARTLABEL="" FSTYPE=""\n' +
      `NAME="vda1" TYPE="part" SIZE="629145600" PTTYPE="gpt" PARTTYPE="${ESP.toLowerCase()}" PARTLABEL="EFI\\x20System" FSTYPE="vfat"\n` +
      'NAME="vda2" TYPE="part" SIZE="400000000" PTTYPE="gpt" PARTTYPE="0fc63daf-8483-4772-8e79-3d69d8477de4" PARTLABEL="" FSTYPE="xfs"\n';
    const r = await rig({ disk });
    await writeFile(path.join(r.fake, 'nvram'), 'Boot0000* UiApp\nBoot0001* Kickstand stage\n');
    const res = await stage(r, srv.url, answer(srv.url));
    expect(res.stderr).toContain('reusing the EFI system partition vda1 on vda');
    expect(await r.bin.calls('sgdisk')).toEqual([]);
    expect(await r.bin.calls('mkfs.vfat')).toEqual([]);
    expect(await readFile(path.join(mnt(r), 'EFI/kickstand/initrd.img'))).toEqual(INITRD);
    // The earlier attempt's entry is gone, the new one is BootNext.
    const nvram = await readFile(path.join(r.fake, 'nvram'), 'utf8');
    expect(nvram.match(/Kickstand stage/g)).toHaveLength(1);
    expect(await r.bin.calls('efibootmgr')).toContainEqual(['-q', '-b', '0001', '-B']);
    expect(await r.bin.calls('reboot')).toEqual([[]]);
  });

  it('When sgdisk is missing, then sfdisk partitions the blank disk with the same layout', async () => {
    const srv = await server();
    const r = await rig({ without: ['sgdisk'] });
    await stage(r, srv.url, answer(srv.url));
    expect(await readFile(path.join(r.fake, 'sfdisk-stdin'), 'utf8')).toBe(
      `label: gpt\nstart=2048, size=512MiB, type=${ESP}, name="KICKSTAND"\n`,
    );
    expect(await r.bin.calls('sfdisk')).toEqual([['-q', `${r.dev}/vda`]]);
    expect(await r.bin.calls('reboot')).toEqual([[]]);
  });

  it("When a host's facts put shell into the append line, then efibootmgr receives it as one literal word and nothing runs", async () => {
    const srv = await server();
    const r = await rig();
    const marker = path.join(r.fake, 'pwned');
    const hostile = `hostname=$(touch ${marker}) \`touch ${marker}\` ; reboot -f && touch ${marker} '"\\ --bootnext 0000`;
    await stage(r, srv.url, answer(srv.url, { append: hostile }));
    const create = (await r.bin.calls('efibootmgr')).find((c) => c.includes('--create-only'))!;
    expect(create.at(-1)).toBe(`initrd=\\EFI\\kickstand\\initrd.img ${hostile}`);
    expect(existsSync(marker)).toBe(false);
    expect(await r.bin.calls('reboot')).toEqual([[]]);
  });

  it('When Secure Boot is on, then the stage goes ahead and the timeline says the firmware will check the kernel signature', async () => {
    const srv = await server();
    const r = await rig();
    const guid = '8be4df61-93ca-11d2-aa0d-00e098032b8c';
    await writeFile(path.join(r.sys, `firmware/efi/efivars/SecureBoot-${guid}`), Buffer.from([6, 0, 0, 0, 1]));
    await writeFile(path.join(r.sys, `firmware/efi/efivars/SetupMode-${guid}`), Buffer.from([6, 0, 0, 0, 0]));
    await stage(r, srv.url, answer(srv.url));
    expect(await r.bin.calls('reboot')).toEqual([[]]);
    expect(events(srv.seen)[0].message).toMatch(
      /rebooting into it; Secure Boot is on: the firmware starts the kernel only if a key in its db signed it$/,
    );
  });

  it('When the firmware does not keep BootNext, then the entry is removed and the stage is refused before any reboot', async () => {
    const srv = await server();
    const r = await rig();
    await stage(r, srv.url, answer(srv.url), { FAKE_NO_BOOTNEXT: '1' });
    expect(await r.bin.calls('reboot')).toEqual([]);
    expect(await readFile(path.join(r.fake, 'nvram'), 'utf8')).not.toContain('Kickstand stage');
    expect(events(srv.seen)).toEqual([
      expect.objectContaining({ stage: 'failed', message: expect.stringContaining('BootNext reads "unset"') }),
    ]);
  });
});

describe('stage refusals', () => {
  const refused = async (r: Rig, srv: { seen: Seen[] }, why: RegExp) => {
    expect(await r.bin.calls('reboot')).toEqual([]);
    expect(await r.bin.calls('sgdisk')).toEqual([]);
    expect(await r.bin.calls('mkfs.vfat')).toEqual([]);
    expect(await r.bin.calls('efibootmgr')).not.toContainEqual(expect.arrayContaining(['--create-only']));
    const include = await readFile(path.join(path.dirname(r.stateDir), 'kickstand.ks'), 'utf8');
    expect(include).toMatch(/^# Kickstand fallback, .*: stage refused: /);
    const [event] = events(srv.seen);
    expect(event).toMatchObject({ stage: 'failed', event_id: 'stage-failed', auth: `Bearer ${TOKEN}` });
    expect(event.message).toMatch(why);
    expect(include).toMatch(why);
  };

  it('When the initrd does not match its sha256, then nothing is written to the disk and the timeline says which file', async () => {
    const srv = await server();
    const r = await rig();
    await stage(r, srv.url, answer(srv.url, { initrd_sha256: 'a'.repeat(64) }));
    await refused(r, srv, /stage refused: initrd sha256 is [0-9a-f]{64}, the answer says a{64}/);
  });

  it('When the kernel is not the announced size, then the stage is refused naming both sizes', async () => {
    const srv = await server();
    const r = await rig();
    await stage(r, srv.url, answer(srv.url, { kernel_size: String(KERNEL.length + 1) }));
    await refused(r, srv, new RegExp(`kernel is ${KERNEL.length} bytes, the answer says ${KERNEL.length + 1}`));
  });

  it('When the disk holds a partition table without an EFI system partition, then it is never written', async () => {
    const srv = await server();
    const disk =
      'NAME="vda" TYPE="disk" SIZE="1073741824" PTTYPE="dos" PARTTYPE="" PARTLABEL="" FSTYPE=""\n' +
      'NAME="vda1" TYPE="part" SIZE="1000000000" PTTYPE="dos" PARTTYPE="0x83" PARTLABEL="" FSTYPE="ext4"\n';
    const r = await rig({ disk });
    await stage(r, srv.url, answer(srv.url));
    await refused(r, srv, /disk vda holds a partition table \(dos\) and no EFI system partition; Kickstand writes only to a blank disk/);
    expect(await r.bin.calls('mount')).toEqual([]);
  });

  it('When efibootmgr is missing, then the stage is refused naming it, and the fact says so', async () => {
    const srv = await server();
    const r = await rig({ without: ['efibootmgr'] });
    const fact = await r.run('stage_json; printf "%s\\n" "$REPLY"');
    expect(JSON.parse(fact.stdout)).toEqual({ available: false, missing: ['efibootmgr'] });
    await stage(r, srv.url, answer(srv.url));
    await refused(r, srv, /this installer image lacks what staging needs on uefi: efibootmgr/);
    expect(srv.seen.filter((s) => s.method === 'GET')).toEqual([]);
  });

  it('When the answer names a disk that does not exist, or lacks a digest, then it is refused before any download', async () => {
    for (const [over, why] of [
      [{ disk: 'sdz' }, /no disk named sdz/],
      [{ kernel_sha256: undefined }, /the answer has no usable kernel_sha256/],
      [{ initrd: 'ftp://mirror/initrd' }, /the answer has no usable initrd URL/],
    ] as const) {
      const srv = await server();
      const r = await rig();
      await stage(r, srv.url, answer(srv.url, over));
      await refused(r, srv, why);
    }
  });
});

describe('stage on BIOS', () => {
  it('When a blank disk is staged, then it gets a BIOS boot partition, a KICKSTAND partition with the files, GRUB, and a grub.cfg that quotes every append word', async () => {
    const srv = await server();
    const r = await rig({ firmware: 'bios', without: ['grub2-install'] });
    const fact = await r.run('stage_json; printf "%s\\n" "$REPLY"');
    expect(JSON.parse(fact.stdout)).toEqual({ available: true });
    const append = `console=ttyS0 inst.ks=http://mirror/ks.cfg x=$(touch /tmp/no) y=it's`;
    await stage(r, srv.url, answer(srv.url, { append }));
    expect(await r.bin.calls('sgdisk')).toEqual([
      [
        '-o',
        '-n',
        '1:2048:+1M',
        '-t',
        '1:ef02',
        '-c',
        '1:KICKSTAND-BIOS',
        '-n',
        '2:0:+512M',
        '-t',
        '2:0700',
        '-c',
        '2:KICKSTAND',
        `${r.dev}/vda`,
      ],
    ]);
    expect(await r.bin.calls('mkfs.vfat')).toEqual([['-F', '32', '-n', 'KICKSTAND', `${r.dev}/vda2`]]);
    expect(await r.bin.calls('grub-install')).toEqual([
      ['--target=i386-pc', `--boot-directory=${mnt(r)}/boot`, '--modules=part_gpt fat', `${r.dev}/vda`],
    ]);
    expect(await readFile(path.join(mnt(r), 'kickstand/vmlinuz'))).toEqual(KERNEL);
    expect(await readFile(path.join(mnt(r), 'boot/grub/grub.cfg'), 'utf8')).toBe(
      [
        '# Kickstand stage: boots the staged installer; removed by its kickstart or the next discovery.',
        'set timeout=0',
        'set default=0',
        "menuentry 'Kickstand stage' {",
        `  linux /kickstand/vmlinuz 'console=ttyS0' 'inst.ks=http://mirror/ks.cfg' 'x=$(touch' '/tmp/no)' 'y=it'\\''s'`,
        '  initrd /kickstand/initrd.img',
        '}',
        '',
      ].join('\n'),
    );
    expect(await r.bin.calls('efibootmgr')).toEqual([]);
    expect(await r.bin.calls('reboot')).toEqual([[]]);
    expect(events(srv.seen)[0].message).toContain('GRUB in the MBR of vda');
  });

  it('When no GRUB installer is present, then the fact and the refusal name it', async () => {
    const srv = await server();
    const r = await rig({ firmware: 'bios', without: ['grub-install', 'grub2-install'] });
    const fact = await r.run('stage_json; printf "%s\\n" "$REPLY"');
    expect(JSON.parse(fact.stdout)).toEqual({ available: false, missing: ['grub2-install or grub-install'] });
    await stage(r, srv.url, answer(srv.url));
    expect(await r.bin.calls('reboot')).toEqual([]);
    expect(events(srv.seen)[0].message).toContain('lacks what staging needs on bios: grub2-install or grub-install');
  });
});

describe('unstage', () => {
  it('When a stage entry is left over, then kickstand_unstage removes it and EFI/kickstand from the EFI system partitions', async () => {
    const r = await rig();
    await writeFile(path.join(r.fake, 'nvram'), 'Boot0000* UiApp\nBoot0004* Kickstand stage\tHD(1,GPT,x)\nBoot0005* Other\n');
    await writeFile(path.join(r.fake, 'lsblk-parttypes'), `vda \nvda1 ${ESP.toLowerCase()}\nvda2 0fc63daf-8483-4772-8e79-3d69d8477de4\n`);
    const work = path.join(r.fake, 'work');
    await mkdir(path.join(work, 'EFI/kickstand'), { recursive: true });
    await mkdir(path.join(work, 'EFI/BOOT'), { recursive: true });
    await r.run(`kickstand_unstage '${work}'`);
    expect(await readFile(path.join(r.fake, 'nvram'), 'utf8')).toBe('Boot0000* UiApp\nBoot0005* Other\n');
    expect(await r.bin.calls('mount')).toEqual([['-t', 'vfat', '/dev/vda1', work]]);
    expect(existsSync(path.join(work, 'EFI/kickstand'))).toBe(false);
    expect(existsSync(path.join(work, 'EFI/BOOT'))).toBe(true);
  });
});

describe('the stage answer through the discovery loop', () => {
  it('When the service answers stage, then the %pre stages and reboots, and registered the stage fact first', async () => {
    const files = await server();
    let posted = '';
    const api = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/api/v1/discovery') {
          posted = Buffer.concat(chunks).toString();
          const { port } = api.address() as AddressInfo;
          return void res
            .writeHead(201, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ id: 'h1', token: TOKEN, next: `http://127.0.0.1:${port}/api/v1/discovery/h1/next` }));
        }
        if (req.url?.endsWith('/next')) return void res.writeHead(200, { 'X-Kickstand-Action': 'stage' }).end(answer(files.url));
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => api.close(r)));
    const r = await rig();
    const ws = await preWorkspace(extractPre(renderStub(`http://127.0.0.1:${(api.address() as AddressInfo).port}`)));
    cleanups.push(() => ws.cleanup());
    const run = runPre(ws.script, r.bin.binDir, {
      ...ws.env,
      KICKSTAND_LINK_WAIT: '1',
      FAKE: r.fake,
      KICKSTAND_DEV: r.dev,
      KICKSTAND_SYSFS: r.sys,
    });
    expect((await exitOf(run)).code).toBe(0);
    expect(JSON.parse(posted).stage).toEqual({ available: true });
    expect(await r.bin.calls('reboot')).toEqual([[]]);
    expect(await readFile(ws.ksOut, 'utf8')).toMatch(/^# Kickstand fallback, .*: staged on vda; rebooting into the installer/);
    expect(await readFile(path.join(ws.stateDir, 'stage/mnt/EFI/kickstand/vmlinuz.efi'))).toEqual(KERNEL);
    expect(run.stderr() + run.stdout()).not.toContain(TOKEN);
  });
});

describe('the unstage snippet', () => {
  it('When a kickstart includes snippets/unstage.njk, then its %post --nochroot removes the stage entry with the same code as the discovery', async () => {
    const { createKickstartEnvironment } = await import('../../src/kickstart/render/environment.js');
    const kickstarts = createKickstartEnvironment(path.resolve('kickstarts'), { watch: false });
    let rendered: string;
    try {
      rendered = kickstarts.render('snippets/unstage.njk', {});
    } finally {
      kickstarts.close();
    }
    expect(rendered.split('\n').filter((l) => l.startsWith('%'))).toEqual([
      '%post --nochroot --log=/mnt/sysimage/root/kickstand-unstage.log',
      '%end',
    ]);
    const body = extractSection(rendered, '%post --nochroot --log=/mnt/sysimage/root/kickstand-unstage.log');
    expect(body.startsWith(await readFile(path.resolve('kickstarts/discovery/unstage.sh'), 'utf8'))).toBe(true);
    expect(body).toMatch(/\nkickstand_unstage \/tmp\/kickstand-unstage\n$/);
    const r = await rig();
    await writeFile(path.join(r.fake, 'nvram'), 'Boot0000* UiApp\nBoot0007* Kickstand stage\n');
    const script = path.join(r.fake, 'post.sh');
    await writeFile(script, body);
    await r.run(`bash '${script}'`);
    expect(await readFile(path.join(r.fake, 'nvram'), 'utf8')).toBe('Boot0000* UiApp\n');
  });
});
