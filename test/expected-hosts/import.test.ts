// The import use case over the in-memory store: a good CSV creates records, a bad one names every
// problem by line and column and imports nothing, the same list again changes nothing, a dry run saves
// nothing, an export imports back unchanged, and secrets never leave in an export.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { sha512Crypt } from '../../src/kickstart/sha512-crypt.js';
import { importExpectedHosts } from '../../src/expected-hosts/import.js';
import { exportExpectedHosts } from '../../src/expected-hosts/export.js';
import { bmcDeps, CALLER } from '../bmc/deps.js';

// Every SHA-512 crypt counted (it costs ~20 ms): the import hashes what it must and no more.
vi.mock('../../src/kickstart/sha512-crypt.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/kickstart/sha512-crypt.js')>();
  return { ...real, sha512Crypt: vi.fn(real.sha512Crypt) };
});
const hashing = vi.mocked(sha512Crypt);

type Deps = ReturnType<typeof bmcDeps>;
let deps: Deps;
const at = '2026-01-01T00:00:00.000Z';

beforeEach(async () => {
  hashing.mockClear();
  deps = bmcDeps();
  await deps.store.profiles.save({ name: 'web', action: 'reboot', created_at: at, updated_at: at } as never);
  await deps.store.bmcCredentials.save({ name: 'rack-a', username: 'root', password: 'x', created_at: at });
});

const csv = (...lines: string[]) => `${lines.join('\r\n')}\r\n`;
const GOOD = csv(
  'boot_mac,serial,asset_tag,hostname,profile,tags,bmc_driver,bmc_address,bmc_credentials,provision,param.root_password',
  '52:54:00:00:00:01,SN-0001,,web-01,web,rack-a gpu,ipmi,10.1.0.1,rack-a,yes,s3cret',
  '52:54:00:00:00:02,SN-0002,AT-2,web-02,web,rack-a;gpu,,,,no,',
  '"52:54:00:00:00:03","SN-0003, lot 7",,,,,,,,,',
);
const run = (text: string, opts: Partial<{ format: 'csv' | 'json'; dryRun: boolean; anyAddress: boolean }> = {}) =>
  importExpectedHosts(deps, text, { format: 'csv', dryRun: false, anyAddress: false, ...opts }, CALLER);
const problemsOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('IMPORT_INVALID');
  return (
    (err as AppError).detail as { errors: { line?: number; index?: number; column?: string; column_number?: number; message: string }[] }
  ).errors;
};

describe('expected-host import', () => {
  it('When a good CSV (BOM, CRLF, quoted cells) is imported, then every row is created with its fields, in one write and one audit entry', async () => {
    const plan = await run(`\ufeff${GOOD}`);
    expect(plan.created.map((e) => e.line)).toEqual([2, 3, 4]);
    expect(plan.updated).toEqual([]);
    const records = await deps.store.expectedHosts.list();
    expect(records).toHaveLength(3);
    const first = records.find((r) => r.hostname === 'web-01')!;
    expect(first.id).toMatch(/^eh-[a-z2-7]{12}$/);
    expect(first).toMatchObject({
      match: { boot_mac: '52:54:00:00:00:01', serial: 'SN-0001' },
      profile: 'web',
      tags: ['rack-a', 'gpu'],
      bmc: { driver: 'ipmi', address: '10.1.0.1', credentials: 'rack-a' },
      provision: true,
    });
    // The password is kept hashed, never as typed.
    expect(String(first.params!.root_password)).toMatch(/^\$6\$/);
    expect(records.find((r) => r.match.serial === 'SN-0003, lot 7')).toBeTruthy();
    expect((await deps.store.audit.list()).map((e) => e.action)).toEqual(['expected-hosts.import']);
  });

  it('When the same list is imported again, then every row is unchanged and nothing is written; a changed cell is an update naming the field', async () => {
    const list = GOOD.replace('s3cret', '');
    await run(list);
    const before = await deps.store.expectedHosts.list();
    const again = await run(list);
    expect(again.unchanged.map((e) => e.line)).toEqual([2, 3, 4]);
    expect(again.created.length + again.updated.length).toBe(0);
    expect(await deps.store.expectedHosts.list()).toEqual(before);
    expect(await deps.store.audit.list()).toHaveLength(1);

    const changed = await run(list.replace('web-02,web,rack-a;gpu', 'web-22,web,rack-a'));
    expect(changed.updated).toEqual([
      expect.objectContaining({ line: 3, id: before.find((r) => r.hostname === 'web-02')!.id, changes: ['hostname', 'tags'] }),
    ]);
    expect((await deps.store.expectedHosts.list()).find((r) => r.match.serial === 'SN-0002')).toMatchObject({
      hostname: 'web-22',
      created_at: before[1]!.created_at,
    });
  });

  it('When a later list has fewer columns, then what it leaves out is kept and what it gives empty is cleared', async () => {
    await run(GOOD);
    const plan = await run(csv('serial,hostname,tags', 'SN-0001,web-101,', 'SN-0002,web-02,rack-a gpu'));
    expect(plan.updated).toEqual([expect.objectContaining({ line: 2, changes: ['hostname', 'tags'] })]);
    expect(plan.unchanged.map((e) => e.line)).toEqual([3]);
    const record = (await deps.store.expectedHosts.list()).find((r) => r.match.serial === 'SN-0001')!;
    expect(record).toMatchObject({
      match: { boot_mac: '52:54:00:00:00:01' },
      hostname: 'web-101',
      profile: 'web',
      provision: true,
      bmc: { address: '10.1.0.1' },
    });
    expect(record.tags).toBeUndefined();
    expect(String(record.params!.root_password)).toMatch(/^\$6\$/);
    const refused = await problemsOf(run(csv('serial,provision', 'SN-0003, lot 7,yes').replace('SN-0003, lot 7', '"SN-0003, lot 7"')));
    expect(refused[0]!.message).toBe('line 2, column 2 (provision): needs a profile: provisioning at once assigns it');
  });

  it('When a record was claimed, then an update keeps claimed_by and claimed_at', async () => {
    await run(GOOD);
    const record = (await deps.store.expectedHosts.list()).find((r) => r.hostname === 'web-01')!;
    await deps.store.expectedHosts.save({ ...record, claimed_by: 'abcdefabcdef', claimed_at: at });
    await run(GOOD.replace('web-01', 'web-11'));
    expect(await deps.store.expectedHosts.get(record.id)).toMatchObject({ hostname: 'web-11', claimed_by: 'abcdefabcdef', claimed_at: at });
  });

  it('When rows are bad, then every problem names its line and column, and nothing is imported', async () => {
    const errors = await problemsOf(
      run(
        csv(
          'boot_mac,serial,hostname,profile,tags,switch,port,provision,bmc_address,bmc_driver',
          '52:54:00:00:00:01,SN-1,web-01,web,,,,,,',
          'not-a-mac,SN-2,web_02!,nope,,,,,,',
          ',SN-3,,,<b>x</b>,leaf-1,,maybe,,',
          ',,,,,,,,,',
          '52:54:00:00:00:01,SN-1,web-01,,,,,,,',
          '52:54:00:00:00:07,SN-7,,,,,,,192.0.2.9,ipmi',
        ),
      ),
    );
    const at = errors.map((e) => [e.line, e.column_number, e.column].join(' '));
    expect(at).toEqual(
      expect.arrayContaining([
        '3 1 boot_mac',
        '3 3 hostname',
        '3 4 profile',
        '4 5 tags',
        '4 7 port',
        '4 8 provision',
        '5  ',
        '7 9 bmc_address',
        '6 1 boot_mac',
        '6 2 serial',
        '6 3 hostname',
      ]),
    );
    expect(errors.find((e) => e.line === 3 && e.column === 'boot_mac')!.message).toBe(
      'line 3, column 1 (boot_mac): "not-a-mac" is not a MAC address (aa:bb:cc:dd:ee:ff)',
    );
    expect(errors.find((e) => e.line === 6 && e.column === 'serial')!.message).toContain('also on line 2');
    expect(errors.find((e) => e.column === 'bmc_address')!.message).toContain('outside KICKSTAND_BMC_NETWORKS');
    expect(await deps.store.expectedHosts.list()).toEqual([]);
  });

  it('When the header has an unknown or prototype column, or a param is named __proto__, then it is refused by name', async () => {
    const header = await problemsOf(run(csv('mac,__proto__,constructor', '52:54:00:00:00:01,x,y')));
    expect(header.map((e) => e.message)).toEqual([
      expect.stringMatching(/^line 1, column 2 \(__proto__\): unknown column/),
      expect.stringMatching(/^line 1, column 3 \(constructor\): unknown column/),
    ]);
    const param = await problemsOf(run(csv('mac,param.__proto__', '52:54:00:00:00:01,x')));
    expect(param[0]!.message).toBe('line 2, column 2 (param.__proto__): "__proto__" may not be a param name');
    const json = await problemsOf(
      run('[{"match":{"mac":"52:54:00:00:00:01","__proto__":"x"},"params":{"__proto__":{"polluted":1}},"__proto__":{"polluted":1}}]', {
        format: 'json',
      }),
    );
    expect(json.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[0\]\.__proto__: unknown field/),
        expect.stringMatching(/^\[0\]\.match\.__proto__: unknown match key/),
        '[0].params.__proto__: "__proto__" may not be a param name',
      ]),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await deps.store.expectedHosts.list()).toEqual([]);
  });

  it('When a CSV is malformed (a quote left open, a row of the wrong width), then the line is named', async () => {
    expect((await problemsOf(run(csv('mac,serial', '52:54:00:00:00:01,"SN-1', '52:54:00:00:00:02,SN-2'))))[0]!.message).toBe(
      'line 2: a quoted cell is not closed',
    );
    expect((await problemsOf(run(csv('mac,serial', '52:54:00:00:00:01'))))[0]!.message).toBe('line 2: has 1 cells, the header has 2');
  });

  it('When a dry run is asked, then the plan is the same and nothing is saved', async () => {
    const plan = await run(GOOD, { dryRun: true });
    expect(plan).toMatchObject({ dry_run: true });
    expect(plan.created).toHaveLength(3);
    expect(await deps.store.expectedHosts.list()).toEqual([]);
    expect(await deps.store.audit.list()).toEqual([]);
  });

  it('When a row matches two records, then the error names the line and both ids', async () => {
    await run(csv('mac,serial', '52:54:00:00:00:01,SN-1', '52:54:00:00:00:02,SN-2'));
    const ids = (await deps.store.expectedHosts.list()).map((r) => r.id);
    const errors = await problemsOf(run(csv('mac,serial', '52:54:00:00:00:01,SN-2')));
    expect(errors[0]!.message).toMatch(/^line 2: match matches 2 expected hosts/);
    for (const id of ids) expect(errors[0]!.message).toContain(id);
  });

  it('When the records are exported as CSV or JSON, then importing the export changes nothing, and no secret is in it', async () => {
    await run(GOOD, { anyAddress: true });
    for (const format of ['csv', 'json'] as const) {
      const text = await exportExpectedHosts(deps, format);
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain('$6$');
      const plan = await run(text, { format });
      expect(plan.unchanged).toHaveLength(3);
      expect(plan.created.length + plan.updated.length).toBe(0);
    }
  });
});

describe('expected-host import limits', () => {
  it('When a hostile cell is huge, then the problem echoing it is cut, and a dry run promises no id', async () => {
    const errors = await problemsOf(run(csv('mac', 'x'.repeat(100_000))));
    expect(errors[0]!.message.length).toBeLessThan(500);
    expect(errors[0]!.message).toMatch(/^line 2, column 1 \(mac\): "x+…$/);
    expect((await run(csv('mac', '52:54:00:00:00:09'), { dryRun: true })).created[0]!.id).toBe('');
  });

  it('When a list has more than 20,000 rows, then it is refused before any row is checked', async () => {
    const rows = Array.from({ length: 20_001 }, (_, i) => `SN-${i}`);
    const errors = await problemsOf(run(csv('serial', ...rows)));
    expect(errors).toEqual([expect.objectContaining({ line: 20_002, message: 'line 20002: more than 20000 rows; split the file' })]);
  });
});

describe('expected-host import: secret params', () => {
  const PASSWORDS = csv(
    'serial,param.root_password,param.api_token',
    'SN-P1,same-password,tok-1',
    'SN-P2,same-password,tok-2',
    'SN-P3,other-password,',
    'SN-P4,same-password,',
  );

  it('When a dry run has passwords, then nothing is hashed; the import hashes each distinct password once and rows sharing one share its hash', async () => {
    const dry = await run(PASSWORDS, { dryRun: true });
    expect(dry.created).toHaveLength(4);
    expect(hashing).not.toHaveBeenCalled();

    await run(PASSWORDS);
    expect(hashing).toHaveBeenCalledTimes(2);
    const hashOf = async (serial: string) =>
      String((await deps.store.expectedHosts.list()).find((r) => r.match.serial === serial)!.params!.root_password);
    expect(await hashOf('SN-P1')).toMatch(/^\$6\$/);
    expect(await hashOf('SN-P2')).toBe(await hashOf('SN-P1'));
    expect(await hashOf('SN-P4')).toBe(await hashOf('SN-P1'));
    expect(await hashOf('SN-P3')).not.toBe(await hashOf('SN-P1'));
    const token = String((await deps.store.expectedHosts.list()).find((r) => r.match.serial === 'SN-P1')!.params!.api_token);
    expect(token).toMatch(/^kickstand-sealed:v1:/);
  });

  it('When a secret is given again as it is stored, then it is a change (never compared, so no oracle and no hashing with the stored settings); "***" keeps it', async () => {
    await run(csv('serial,param.root_password', 'SN-S1,guess-me'));
    const record = (await deps.store.expectedHosts.list())[0]!;
    // A stored hash asking for the most rounds: comparing a plaintext with it would take an hour.
    const slow = `$6$rounds=999999999$saltsalt$${'x'.repeat(86)}`;
    await deps.store.expectedHosts.save({ ...record, params: { root_password: slow } });
    hashing.mockClear();

    for (const dryRun of [true, false]) {
      const plan = await run(csv('serial,param.root_password', 'SN-S1,guess-me'), { dryRun });
      expect(plan.updated).toEqual([expect.objectContaining({ line: 2, changes: ['params.root_password'] })]);
      expect(plan.unchanged).toEqual([]);
    }
    // The real import hashed the new password once, with a fresh salt and the default rounds.
    expect(hashing).toHaveBeenCalledTimes(1);
    expect(hashing.mock.calls[0]![1]).toBeUndefined();

    const kept = await run(csv('serial,param.root_password', 'SN-S1,***'));
    expect(kept.unchanged.map((e) => e.line)).toEqual([2]);
    expect(hashing).toHaveBeenCalledTimes(1);
  });

  it('When an imported crypt hash asks for more rounds than the cap, then it is refused naming the param; a sane one is kept as given', async () => {
    const slow = `$6$rounds=999999999$saltsalt$${'x'.repeat(86)}`;
    const errors = await problemsOf(run(csv('serial,param.root_password', `SN-R1,${slow}`)));
    expect(errors[0]!.message).toBe(
      'line 2, column 2 (param.root_password): is a crypt hash with rounds=999999999: at most 1000000 (the default is 5000)',
    );
    const fine = `$6$rounds=656000$saltsalt$${'x'.repeat(86)}`;
    await run(csv('serial,param.root_password', `SN-R1,${fine}`));
    expect((await deps.store.expectedHosts.list())[0]!.params).toEqual({ root_password: fine });
    expect(hashing).not.toHaveBeenCalled();
  });

  it('When a list has more than 1,000 different passwords, then it is refused naming the first row past the cap, and nothing is hashed', async () => {
    const rows = Array.from({ length: 1001 }, (_, i) => `SN-${i},password-${i}`);
    const errors = await problemsOf(run(csv('serial,param.root_password', ...rows)));
    expect(errors).toEqual([
      expect.objectContaining({
        line: 1002,
        column: 'param.root_password',
        message:
          'line 1002, column 2 (param.root_password): more than 1000 different passwords in one list (each is hashed): split the list, or give crypt hashes',
      }),
    ]);
    expect(hashing).not.toHaveBeenCalled();
    // 1,000 rows sharing few passwords are fine.
    const same = Array.from({ length: 1001 }, (_, i) => `SN-${i},password-${i % 3}`);
    expect((await run(csv('serial,param.root_password', ...same), { dryRun: true })).created).toHaveLength(1001);
  });
});

describe('expected-host import: problems are capped where they are found', () => {
  const refusal = async (p: Promise<unknown>) => {
    const err = (await p.then(
      () => undefined,
      (e: unknown) => e,
    )) as AppError;
    expect(err.code).toBe('IMPORT_INVALID');
    return { message: err.message, ...(err.detail as { errors: { line?: number; message: string }[]; more?: number }) };
  };

  it('When a header has far more columns than any good list, then it is one problem, before any column is checked', async () => {
    const { errors, more } = await refusal(run(csv(Array(100_000).fill('a').join(','))));
    expect(errors).toEqual([
      expect.objectContaining({
        line: 1,
        column_number: 217,
        message: expect.stringContaining('the header has 100000 columns, at most 216'),
      }),
    ]);
    expect(more).toBeUndefined();
  });

  it('When a CSV has thousands of bad rows, then 200 problems are kept in file order and the rest counted', async () => {
    const { errors, more, message } = await refusal(run(csv('mac,serial', ...Array(1000).fill('52:54:00:00:00:01'))));
    expect(errors).toHaveLength(200);
    expect(errors[0]!.line).toBe(2);
    expect(more).toBe(800);
    expect(message).toContain('the list has 1000 problems');
    expect(message).toContain('and 800 more');
  });

  it('When a JSON object has thousands of unknown keys, or rows have thousands of bad cells, then only 200 are kept', async () => {
    const object = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 1]));
    const json = await refusal(run(JSON.stringify([{ match: { serial: 'SN-1' }, ...object }]), { format: 'json' }));
    expect(json.errors).toHaveLength(200);
    expect(json.more).toBe(4800);
    const rows = await refusal(run(csv('mac', ...Array.from({ length: 1000 }, (_, i) => `bad-${i}`))));
    expect(rows.errors).toHaveLength(200);
    expect(rows.more).toBe(800);
  });
});

describe('expected hosts from elsewhere: CSV formulas and the data move', () => {
  it('When a stored record (from a data move) holds a cell a spreadsheet would run, then the CSV export writes it with a leading quote', async () => {
    const hostile = { id: 'eh-hostile', match: { serial: '=HYPERLINK("http://x")' }, provision: false, created_at: at, updated_at: at };
    await deps.store.expectedHosts.save({ ...hostile, tags: ['+cmd'], match: { serial: '=HYPERLINK("http://x")', asset_tag: '@SUM(1)' } });
    const text = await exportExpectedHosts(deps, 'csv');
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(text).toContain(`'@SUM(1)`);
    expect(text).toContain(`'+cmd`);
    expect(text).not.toMatch(/(^|,)[=+@-]/m);
  });

  it('When a data-move line holds an expected host the import would refuse, then the schema refuses it', async () => {
    const { compile } = await import('../../src/schemas/validate.js');
    const { exportLineSchemas } = await import('../../src/schemas/export.js');
    const check = compile(exportLineSchemas.expected_host);
    const good = { id: 'eh-1', match: { mac: '52:54:00:00:00:01', serial: 'SN-1' }, provision: false, created_at: at, updated_at: at };
    expect(() => check({ type: 'expected_host', expected_host: good })).not.toThrow();
    for (const bad of [
      { match: { serial: '=cmd|calc' } },
      { match: { mac: 'not-a-mac' } },
      { match: {} },
      { match: { switch: 'leaf-1' } },
      { match: { __proto__x: 'x' } },
      { hostname: 'bad_host!' },
      { tags: ['<b>'] },
      { bmc: { driver: 'telnet', address: '10.0.0.1' } },
    ])
      expect(() => check({ type: 'expected_host', expected_host: { ...good, ...bad } }), JSON.stringify(bad)).toThrow();
  });
});
