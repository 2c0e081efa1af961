// The node flags the service runs with (src/node-flags.ts) are V8's: they work only on node's command
// line, so every way of starting the service must carry them — npm start, the `kickstand` command's
// first line, the systemd unit the docs give — and a service started without them says so.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS, missingNodeFlags } from '../../src/node-flags.js';
import { startServiceProcess } from '../support/service-process.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);

describe('the node flags of the service', () => {
  it('When the service is started by npm start, the kickstand command or the documented systemd unit, then node gets every flag', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    const firstLine = (await readFile('src/main.ts', 'utf8')).split('\n')[0]!;
    const execStart = /^ExecStart=(.*)$/m.exec(await readFile('docs/operations.md', 'utf8'))?.[1];
    for (const command of [pkg.scripts.start!, firstLine, execStart!]) {
      // Flags before the script: after it they would be the script's arguments, not node's.
      const beforeScript = command.split(/ (?:dist|src)\/main\.[jt]s/)[0]!.split(' ');
      for (const flag of NODE_FLAGS) expect(beforeScript, command).toContain(flag);
    }
    expect(firstLine.startsWith('#!/usr/bin/env -S node ')).toBe(true);
  });

  it('When a script with the first line of the kickstand command is run, then node sees the flags as its own', async () => {
    const script = `${await tempDir('kickstand-flags-')}/first-line.mjs`;
    const firstLine = (await readFile('src/main.ts', 'utf8')).split('\n')[0]!;
    await writeFile(script, `${firstLine}\nconsole.log(JSON.stringify(process.execArgv));\n`, { mode: 0o755 });
    const { stdout } = await run(script);
    expect(JSON.parse(stdout)).toEqual(NODE_FLAGS);
    expect(missingNodeFlags(JSON.parse(stdout) as string[])).toEqual([]);
    expect(missingNodeFlags([])).toEqual(NODE_FLAGS);
  });

  it('When the service starts without them, then it warns naming each missing flag; with them it does not', async () => {
    const warnings = async (nodeFlags: readonly string[]) => {
      // At info, so that "kickstand listening" (the line the warning follows) shows the start is done.
      const svc = await startServiceProcess({
        dataDir: await tempDir('kickstand-flags-'),
        nodeFlags,
        env: { KICKSTAND_LOG_LEVEL: 'info' },
      });
      try {
        const deadline = Date.now() + 10_000;
        while (!svc.logs().some((l) => l.msg === 'kickstand listening') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        expect(svc.logs().some((l) => l.msg === 'kickstand listening')).toBe(true);
        return svc.logs().filter((l) => typeof l.msg === 'string' && l.msg.startsWith('started without the node flags'));
      } finally {
        await svc.kill('SIGTERM');
      }
    };
    const without = await warnings([]);
    expect(without).toHaveLength(1);
    expect(without[0]!.missing).toEqual(NODE_FLAGS);
    expect(await warnings(NODE_FLAGS)).toEqual([]);
  });
});
