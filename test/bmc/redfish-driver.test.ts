// The Redfish driver against simulated BMCs shaped like the DMTF mockups (test/support/redfish-sim.ts):
// every action, the boot override, session and basic auth, TLS with a CA file, and each failure.
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { BmcTarget } from '../../src/bmc/bmc.js';
import { BmcError } from '../../src/bmc/driver.js';
import { RedfishDriver } from '../../src/bmc/drivers/redfish.js';
import { makeSelfSignedCert, startRedfishSim, type RedfishSims } from '../support/redfish-sim.js';
import { tempDir } from '../support/temp.js';

const PASSWORD = 'calvin-Secret-42';
const sims: RedfishSims[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

async function sim(options: Parameters<typeof startRedfishSim>[0] = {}) {
  const started = await startRedfishSim({ password: PASSWORD, ...options });
  sims.push(started);
  const bmc = started.bmcs[0]!;
  const target: BmcTarget = {
    driver: 'redfish',
    address: '127.0.0.1',
    port: bmc.port,
    username: 'root',
    password: PASSWORD,
    verify_tls: true,
    ca_file: started.caFile,
  };
  return { bmc, target, caFile: started.caFile };
}

const signal = () => AbortSignal.timeout(10_000);
const driver = new RedfishDriver();

async function failure(promise: Promise<unknown>): Promise<BmcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BmcError);
  expect((error as Error).message).not.toContain(PASSWORD);
  return error as BmcError;
}

const resets = (actions: { method: string; path: string; body?: unknown }[]) =>
  actions.filter((a) => a.path.endsWith('/Actions/ComputerSystem.Reset')).map((a) => (a.body as { ResetType: string }).ResetType);

describe('RedfishDriver: actions', () => {
  it('When asked the power state, then PowerState is read, in a session that is logged out after', async () => {
    const { bmc, target } = await sim({ power: 'Off' });
    expect(await driver.powerState(target, signal())).toBe('off');
    bmc.state.power = 'On';
    expect(await driver.powerState(target, signal())).toBe('on');
    expect(bmc.sessionsCreated).toBe(2);
    expect(bmc.sessions.size).toBe(0);
    expect(bmc.actions.map((a) => `${a.method} ${a.path}`)).toEqual([
      'POST /redfish/v1/SessionService/Sessions',
      'DELETE /redfish/v1/SessionService/Sessions/1',
      'POST /redfish/v1/SessionService/Sessions',
      'DELETE /redfish/v1/SessionService/Sessions/2',
    ]);
  });

  it('When each power action runs, then its ResetType is posted with the session token', async () => {
    const { bmc, target } = await sim();
    for (const action of ['off', 'on', 'soft-off', 'on', 'cycle', 'reset'] as const) {
      await driver.power(target, action, signal());
    }
    expect(resets(bmc.actions)).toEqual(['ForceOff', 'On', 'GracefulShutdown', 'On', 'PowerCycle', 'ForceRestart']);
    expect(bmc.actions.filter((a) => a.path.endsWith('Reset')).every((a) => a.auth === 'session')).toBe(true);
    expect(bmc.sessions.size).toBe(0);
  });

  it('When the machine is off, then cycle powers it on', async () => {
    const { bmc, target } = await sim({ power: 'Off' });
    await driver.power(target, 'cycle', signal());
    expect(resets(bmc.actions)).toEqual(['On']);
    expect(bmc.state.power).toBe('On');
  });

  it('When asked to identify, then manufacturer, model, the manager firmware and the power state come back', async () => {
    const { target } = await sim();
    expect(await driver.identify(target, signal())).toEqual({
      power: 'on',
      manufacturer: 'Contoso',
      model: '3500RX',
      firmware: '1.00',
    });
  });

  it('When the system path is given, then it is used without listing Systems', async () => {
    const { bmc, target } = await sim({ systemId: 'System.Embedded.1' });
    expect(await driver.powerState({ ...target, system_path: '/redfish/v1/Systems/System.Embedded.1' }, signal())).toBe('on');
    expect(bmc.requests).not.toContain('GET /redfish/v1/Systems');
    expect(bmc.requests).toContain('GET /redfish/v1/Systems/System.Embedded.1');
  });
});

describe('RedfishDriver: boot override', () => {
  it('When PXE is set once, then Target Pxe, Enabled Once, no mode', async () => {
    const { bmc, target } = await sim();
    await driver.setBootDevice(target, { device: 'pxe', persistent: false }, signal());
    expect(bmc.actions.at(-2)?.body).toEqual({ Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } });
    expect(bmc.state.boot).toMatchObject({ BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' });
  });

  it('When disk is set persistent in legacy mode and CD in UEFI, then Continuous/Legacy and Once/UEFI', async () => {
    const { bmc, target } = await sim();
    await driver.setBootDevice(target, { device: 'disk', persistent: true, mode: 'legacy' }, signal());
    expect(bmc.state.boot).toEqual({
      BootSourceOverrideTarget: 'Hdd',
      BootSourceOverrideEnabled: 'Continuous',
      BootSourceOverrideMode: 'Legacy',
    });
    await driver.setBootDevice(target, { device: 'cd', persistent: false, mode: 'uefi' }, signal());
    expect(bmc.state.boot).toEqual({ BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' });
    await driver.setBootDevice(target, { device: 'bios', persistent: false }, signal());
    expect(bmc.state.boot.BootSourceOverrideTarget).toBe('BiosSetup');
  });

  it('When the BMC requires If-Match (iLO), then the ETag of the system goes back with the PATCH', async () => {
    const { bmc, target } = await sim({ requireIfMatch: true });
    await driver.setBootDevice(target, { device: 'pxe', persistent: false }, signal());
    await driver.setBootDevice(target, { device: 'disk', persistent: true }, signal());
    expect(bmc.actions.filter((a) => a.method === 'PATCH').map((a) => a.ifMatch)).toEqual(['W/"1"', 'W/"2"']);
    expect(bmc.state.boot.BootSourceOverrideTarget).toBe('Hdd');
  });

  it('When a mode is asked of a BMC without BootSourceOverrideMode, then it is refused before any PATCH', async () => {
    const { bmc, target } = await sim({ bootMode: false });
    const error = await failure(driver.setBootDevice(target, { device: 'pxe', persistent: false, mode: 'uefi' }, signal()));
    expect(error.kind).toBe('refused');
    expect(error.message).toContain('does not take a boot mode');
    expect(bmc.actions.some((a) => a.method === 'PATCH')).toBe(false);
  });
});

describe('RedfishDriver: AllowableValues', () => {
  it('When PowerCycle is not allowed, then cycle is ForceOff then On', async () => {
    const { bmc, target } = await sim({ resetTypes: ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart'] });
    await driver.power(target, 'cycle', signal());
    expect(resets(bmc.actions)).toEqual(['ForceOff', 'On']);
    expect(bmc.state.power).toBe('On');
  });

  it('When ForceRestart is not allowed, then reset is GracefulRestart', async () => {
    const { bmc, target } = await sim({ resetTypes: ['On', 'ForceOff', 'GracefulRestart'] });
    await driver.power(target, 'reset', signal());
    expect(resets(bmc.actions)).toEqual(['GracefulRestart']);
  });

  it('When the allowed values are in a ResetActionInfo resource (OpenBMC), then they are read from there', async () => {
    const { bmc, target } = await sim({ resetActionInfo: true, resetTypes: ['On', 'ForceOff', 'GracefulRestart'] });
    await driver.power(target, 'reset', signal());
    expect(bmc.requests).toContain('GET /redfish/v1/Systems/1/ResetActionInfo');
    expect(resets(bmc.actions)).toEqual(['GracefulRestart']);
  });

  it('When no ResetType fits, then it is refused naming what the BMC offers, and nothing is posted', async () => {
    const { bmc, target } = await sim({ resetTypes: ['On', 'ForceOff'] });
    const error = await failure(driver.power(target, 'soft-off', signal()));
    expect(error.kind).toBe('refused');
    expect(error.message).toBe(
      `Redfish BMC 127.0.0.1:${target.port}: the BMC offers no ResetType for "soft-off" (wanted GracefulShutdown; it offers On, ForceOff)`,
    );
    expect(resets(bmc.actions)).toEqual([]);
  });
});

describe('RedfishDriver: authentication', () => {
  it('When the service has no SessionService, then basic auth is used', async () => {
    const { bmc, target } = await sim({ sessions: false });
    await driver.power(target, 'off', signal());
    expect(bmc.sessionsCreated).toBe(0);
    expect(bmc.actions).toEqual([expect.objectContaining({ method: 'POST', auth: 'basic', body: { ResetType: 'ForceOff' } })]);
  });

  it('When the password is wrong, then it is auth, naming the BMC and never the password', async () => {
    const { target } = await sim();
    const error = await failure(driver.powerState({ ...target, password: 'not-the-password' }, signal()));
    expect(error.kind).toBe('auth');
    expect(error.message).toBe(
      `Redfish BMC 127.0.0.1:${target.port}: wrong user or password (HTTP 401 on POST /redfish/v1/SessionService/Sessions)`,
    );
    expect(error.message).not.toContain('not-the-password');
  });

  it('When the password is wrong on basic auth, then it is auth too', async () => {
    const { target } = await sim({ sessions: false });
    expect((await failure(driver.powerState({ ...target, password: 'nope-nope' }, signal()))).kind).toBe('auth');
  });
});

describe('RedfishDriver: failures', () => {
  it('When the BMC answers 500 with ExtendedInfo, then it is refused quoting the BMC, and the session still ends', async () => {
    const { bmc, target } = await sim({ fail: { status: 500, message: 'The BMC is busy updating its firmware.' } });
    const error = await failure(driver.power(target, 'on', signal()));
    expect(error.kind).toBe('refused');
    expect(error.message).toBe(
      `Redfish BMC 127.0.0.1:${target.port}: the BMC refused POST /redfish/v1/Systems/1/Actions/ComputerSystem.Reset (HTTP 500): "The BMC is busy updating its firmware."`,
    );
    expect(bmc.sessions.size).toBe(0);
  });

  it('When the BMC never answers, then the signal ends it as a timeout', async () => {
    const { target } = await sim({ hang: 'all' });
    const error = await failure(driver.powerState(target, AbortSignal.timeout(300)));
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe(`Redfish BMC 127.0.0.1:${target.port}: no answer in time`);
  });

  it('When an action hangs, then it is a timeout and a logout is still tried', async () => {
    const { bmc, target } = await sim({ hang: 'actions' });
    expect((await failure(driver.power(target, 'off', AbortSignal.timeout(500)))).kind).toBe('timeout');
    expect(bmc.requests.at(-1)).toBe('DELETE /redfish/v1/SessionService/Sessions/1');
  });

  it('When nothing listens, then it is unreachable', async () => {
    const { target } = await sim();
    const error = await failure(driver.powerState({ ...target, port: 9 }, signal()));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toBe('Redfish BMC 127.0.0.1:9: cannot reach the BMC (ECONNREFUSED)');
  });

  it('When the name does not resolve, then it is unreachable', async () => {
    const { target } = await sim();
    const error = await failure(driver.powerState({ ...target, address: 'no-such-bmc.invalid' }, signal()));
    expect(error.kind).toBe('unreachable');
  });

  it('When the answer is not JSON, then it is protocol', async () => {
    // A web login page where the service root should be.
    const { port, error } = await powerStateFrom((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>'),
    );
    expect(error.kind).toBe('protocol');
    expect(error.message).toBe(`Redfish BMC 127.0.0.1:${port}: GET /redfish/v1/: the answer is not JSON (HTTP 200)`);
  });
});

/** The driver's power-state call against a plain HTTP server answering as `handler` does: what no
 *  Redfish service would answer (a login page, a runaway body). */
async function powerStateFrom(handler: http.RequestListener): Promise<{ port: number; error: BmcError }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const target: BmcTarget = { driver: 'redfish', address: '127.0.0.1', port, username: 'root', password: PASSWORD, verify_tls: true };
  try {
    return { port, error: await failure(new RedfishDriver({ scheme: 'http' }).powerState(target, signal())) };
  } finally {
    server.close();
  }
}

describe('RedfishDriver: bounded answers', () => {
  it('When an answer is over 1 MiB, then it is cut and reported as protocol', async () => {
    const { port, error } = await powerStateFrom((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
    });
    expect(error.kind).toBe('protocol');
    expect(error.message).toBe(`Redfish BMC 127.0.0.1:${port}: GET /redfish/v1/: an answer over 1048576 bytes`);
  });
});

describe('RedfishDriver: TLS', () => {
  it('When verify_tls is on with the CA file of the BMC, then it connects', async () => {
    const { target } = await sim();
    expect(await driver.powerState(target, signal())).toBe('on');
  });

  it('When the CA file is another one, then it fails clearly as protocol, naming the fix', async () => {
    const { target } = await sim();
    const other = await makeSelfSignedCert(await tempDir('kickstand-other-ca-'), 'other');
    const error = await failure(driver.powerState({ ...target, ca_file: other.certFile }, signal()));
    expect(error.kind).toBe('protocol');
    expect(error.message).toMatch(/its TLS certificate is not trusted \([A-Z_]+\): give the CA file/);
  });

  it('When verify_tls is on without a CA file (self-signed), then it fails; off, it connects', async () => {
    const { target } = await sim();
    const { ca_file: _unused, ...noCa } = target;
    expect((await failure(driver.powerState(noCa, signal()))).message).toContain('not trusted');
    expect(await driver.powerState({ ...noCa, verify_tls: false }, signal())).toBe('on');
  });

  it('When the CA file cannot be read, then the message names it', async () => {
    const { target } = await sim();
    const error = await failure(driver.powerState({ ...target, ca_file: '/nonexistent/ca.pem' }, signal()));
    expect(error.message).toBe(`Redfish BMC 127.0.0.1:${target.port}: cannot read the CA file /nonexistent/ca.pem: ENOENT`);
  });

  it('When the sims are plain HTTP (the bulk test), then the http scheme talks to them', async () => {
    const { target } = await sim({ tls: false });
    expect(await new RedfishDriver({ scheme: 'http' }).powerState(target, signal())).toBe('on');
  });
});
