// Simulated Redfish BMCs for tests: each its own port on 127.0.0.1 (HTTPS with a self-signed
// certificate made by the openssl CLI, or plain HTTP), serving the ComputerSystem resources the way
// the DMTF Redfish mockups shape them (service root, Systems collection, a system with PowerState,
// Boot and the #ComputerSystem.Reset action with its AllowableValues, a Manager, SessionService), and
// recording every action. `startRedfishSims(n)` gives n independent BMCs (the bulk test's 200).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ALL_RESET_TYPES = [
  'On',
  'ForceOff',
  'GracefulShutdown',
  'GracefulRestart',
  'ForceRestart',
  'Nmi',
  'ForceOn',
  'PushPowerButton',
  'PowerCycle',
];
const BOOT_TARGETS = ['None', 'Pxe', 'Cd', 'Usb', 'Hdd', 'BiosSetup', 'Utilities', 'Diags', 'UefiShell', 'UefiTarget'];

export interface RedfishSimOptions {
  /** Default root / calvin (a factory default of a well-known vendor). */
  username?: string;
  password?: string;
  /** A SessionService (default true); false: basic auth only, no SessionService in the root. */
  sessions?: boolean;
  /** HTTPS with the shared self-signed certificate (default true); false: plain HTTP. */
  tls?: boolean;
  /** The ComputerSystem's Id (default "1": /redfish/v1/Systems/1). */
  systemId?: string;
  /** Initial PowerState (default "On"). */
  power?: 'On' | 'Off';
  /** ResetType@Redfish.AllowableValues (default ALL_RESET_TYPES). */
  resetTypes?: string[];
  /** The allowed ResetTypes in a ResetActionInfo resource the action points to (OpenBMC's bmcweb
   *  shape) instead of inline. */
  resetActionInfo?: boolean;
  /** Put Boot.BootSourceOverrideMode on the system (default true). */
  bootMode?: boolean;
  /** Answer a PATCH without If-Match with 428, a wrong one with 412 (as iLO). */
  requireIfMatch?: boolean;
  /** Every action (Reset POST, PATCH) answers this status with a Redfish error and ExtendedInfo. */
  fail?: { status: number; message: string };
  /** Never answer: every request ("all"), or only actions ("actions"). */
  hang?: 'all' | 'actions';
}

export interface RecordedAction {
  method: string;
  path: string;
  body?: unknown;
  /** How the request authenticated: a session token, basic, or none. */
  auth: 'session' | 'basic' | 'none';
  ifMatch?: string;
}

export interface RedfishBmc {
  port: number;
  /** The options in force; change them between calls (a test's "now the BMC fails"). */
  options: RedfishSimOptions;
  state: {
    power: 'On' | 'Off';
    boot: { BootSourceOverrideTarget: string; BootSourceOverrideEnabled: string; BootSourceOverrideMode?: string };
    etag: number;
  };
  /** Reset POSTs, PATCHes, session logins and logouts, in order. */
  actions: RecordedAction[];
  /** Every request, as "METHOD path". */
  requests: string[];
  /** Live session tokens. */
  sessions: Map<string, string>;
  sessionsCreated: number;
  /** Each session's life, login to logout (performance.now() ms; `to` unset while open), by session id - 1:
   *  when this BMC was busy with an operation, for the bulk test's "at most N BMCs at once". */
  sessionSpans: { from: number; to?: number }[];
  /** Requests in flight now, and the most at once (the bulk test's per-BMC bound). */
  inFlight: number;
  maxInFlight: number;
}

export interface RedfishSims {
  bmcs: RedfishBmc[];
  /** PEM of the self-signed certificate all the HTTPS sims present (trust it as ca_file). */
  caFile: string;
  stop(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 (an IP SAN, so hostname checks pass) in dir. */
export async function makeSelfSignedCert(dir: string, name = 'bmc'): Promise<{ certFile: string; keyFile: string }> {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  return { certFile, keyFile };
}

export async function startRedfishSim(options: RedfishSimOptions = {}): Promise<RedfishSims> {
  return startRedfishSims(1, options);
}

export async function startRedfishSims(count: number, options: RedfishSimOptions = {}): Promise<RedfishSims> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kickstand-redfish-sim-'));
  const { certFile, keyFile } = await makeSelfSignedCert(dir);
  const tls = { cert: await readFile(certFile), key: await readFile(keyFile) };
  const servers: (http.Server | https.Server)[] = [];
  const bmcs: RedfishBmc[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const bmc: RedfishBmc = {
        port: 0,
        options: { ...options },
        state: {
          power: options.power ?? 'On',
          boot: {
            BootSourceOverrideTarget: 'None',
            BootSourceOverrideEnabled: 'Disabled',
            ...(options.bootMode === false ? {} : { BootSourceOverrideMode: 'UEFI' }),
          },
          etag: 1,
        },
        actions: [],
        requests: [],
        sessions: new Map(),
        sessionsCreated: 0,
        inFlight: 0,
        sessionSpans: [],
        maxInFlight: 0,
      };
      const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
        void handle(bmc, req, res);
      };
      const server = options.tls === false ? http.createServer(handler) : https.createServer(tls, handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      bmc.port = (server.address() as AddressInfo).port;
      bmcs.push(bmc);
    }
  } catch (error) {
    await closeAll(servers);
    throw error;
  }
  return {
    bmcs,
    caFile: certFile,
    stop: async () => {
      await closeAll(servers);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function closeAll(servers: (http.Server | https.Server)[]): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}

async function handle(bmc: RedfishBmc, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  bmc.inFlight += 1;
  bmc.maxInFlight = Math.max(bmc.maxInFlight, bmc.inFlight);
  res.once('close', () => (bmc.inFlight -= 1));
  const method = req.method ?? 'GET';
  const url = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
  bmc.requests.push(`${method} ${url}`);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const o = bmc.options;
  if (o.hang === 'all') return;
  let body: unknown;
  if (chunks.length) {
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      error(res, 400, 'Base.1.8.MalformedJSON', 'The request body submitted was malformed JSON.');
      return;
    }
  }
  const user = o.username ?? 'root';
  const password = o.password ?? 'calvin';
  const sessionsOn = o.sessions !== false;
  const systemPath = `/redfish/v1/Systems/${o.systemId ?? '1'}`;
  const resetPath = `${systemPath}/Actions/ComputerSystem.Reset`;
  const sessionsPath = '/redfish/v1/SessionService/Sessions';

  if (url === '/redfish/v1' && method === 'GET') {
    json(res, 200, serviceRoot(sessionsOn));
    return;
  }
  if (url === '/redfish' && method === 'GET') {
    json(res, 200, { v1: '/redfish/v1/' });
    return;
  }

  if (sessionsOn && url === sessionsPath && method === 'POST') {
    const login = body as { UserName?: unknown; Password?: unknown } | undefined;
    if (login?.UserName !== user || login.Password !== password) {
      error(res, 401, 'Base.1.8.NoValidSession', 'There is no valid session established with the implementation.');
      return;
    }
    bmc.sessionsCreated += 1;
    const id = String(bmc.sessionsCreated);
    const token = `token-${bmc.port}-${id}-${Math.random().toString(36).slice(2)}`;
    bmc.sessions.set(token, id);
    bmc.sessionSpans.push({ from: performance.now() });
    bmc.actions.push({ method, path: url, auth: 'none' });
    res.setHeader('X-Auth-Token', token);
    res.setHeader('Location', `${sessionsPath}/${id}`);
    json(res, 201, { '@odata.id': `${sessionsPath}/${id}`, Id: id, Name: 'User Session', UserName: user });
    return;
  }

  // Everything else needs a session token or basic auth.
  const token = req.headers['x-auth-token'];
  let auth: RecordedAction['auth'] = 'none';
  if (typeof token === 'string' && bmc.sessions.has(token)) auth = 'session';
  else if (req.headers.authorization === `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`) auth = 'basic';
  if (auth === 'none') {
    error(res, 401, 'Base.1.8.NoValidSession', 'There is no valid session established with the implementation.');
    return;
  }

  if (sessionsOn && url.startsWith(`${sessionsPath}/`) && method === 'DELETE') {
    const id = url.slice(sessionsPath.length + 1);
    for (const [t, sid] of bmc.sessions) if (sid === id) bmc.sessions.delete(t);
    const span = bmc.sessionSpans[Number(id) - 1];
    if (span) span.to = performance.now();
    bmc.actions.push({ method, path: url, auth });
    res.writeHead(204).end();
    return;
  }
  if (url === '/redfish/v1/Systems' && method === 'GET') {
    json(res, 200, {
      '@odata.id': '/redfish/v1/Systems',
      '@odata.type': '#ComputerSystemCollection.ComputerSystemCollection',
      Name: 'Computer System Collection',
      Members: [{ '@odata.id': systemPath }],
      'Members@odata.count': 1,
    });
    return;
  }
  if (url === systemPath && method === 'GET') {
    res.setHeader('ETag', `W/"${bmc.state.etag}"`);
    json(res, 200, computerSystem(bmc, systemPath, resetPath));
    return;
  }
  if (url === `${systemPath}/ResetActionInfo` && o.resetActionInfo && method === 'GET') {
    json(res, 200, {
      '@odata.id': `${systemPath}/ResetActionInfo`,
      '@odata.type': '#ActionInfo.v1_1_2.ActionInfo',
      Id: 'ResetActionInfo',
      Name: 'Reset Action Info',
      Parameters: [{ Name: 'ResetType', DataType: 'String', Required: true, AllowableValues: o.resetTypes ?? ALL_RESET_TYPES }],
    });
    return;
  }
  if (url === '/redfish/v1/Managers/1' && method === 'GET') {
    json(res, 200, {
      '@odata.id': '/redfish/v1/Managers/1',
      '@odata.type': '#Manager.v1_10_0.Manager',
      Id: '1',
      Name: 'Manager',
      ManagerType: 'BMC',
      FirmwareVersion: '1.00',
      Links: { ManagerForServers: [{ '@odata.id': systemPath }] },
    });
    return;
  }
  const isAction = (url === resetPath && method === 'POST') || (url === systemPath && method === 'PATCH');
  if (isAction) {
    const ifMatch = req.headers['if-match'];
    bmc.actions.push({ method, path: url, body, auth, ...(typeof ifMatch === 'string' ? { ifMatch } : {}) });
    if (o.hang === 'actions') return;
    if (o.fail) {
      error(res, o.fail.status, 'Base.1.8.InternalError', o.fail.message);
      return;
    }
    if (url === resetPath) {
      reset(bmc, res, body);
      return;
    }
    if (o.requireIfMatch) {
      if (typeof ifMatch !== 'string') {
        error(res, 428, 'Base.1.8.PreconditionRequired', 'A precondition header or annotation is required to change this resource.');
        return;
      }
      if (ifMatch !== `W/"${bmc.state.etag}"`) {
        error(res, 412, 'Base.1.8.PreconditionFailed', 'The ETag supplied did not match the ETag required to change this resource.');
        return;
      }
    }
    patchBoot(bmc, res, body);
    return;
  }
  error(res, 404, 'Base.1.8.ResourceMissingAtURI', `The resource at the URI ${url} was not found.`);
}

function reset(bmc: RedfishBmc, res: http.ServerResponse, body: unknown): void {
  const type = (body as { ResetType?: unknown } | undefined)?.ResetType;
  const allowed = bmc.options.resetTypes ?? ALL_RESET_TYPES;
  if (typeof type !== 'string' || !allowed.includes(type)) {
    error(
      res,
      400,
      'Base.1.8.ActionParameterValueNotInList',
      `The value ${JSON.stringify(type)} for the parameter ResetType is not in the list of acceptable values.`,
    );
    return;
  }
  if (type === 'ForceOff' || type === 'GracefulShutdown') bmc.state.power = 'Off';
  else if (type !== 'Nmi') bmc.state.power = 'On';
  res.writeHead(204).end();
}

function patchBoot(bmc: RedfishBmc, res: http.ServerResponse, body: unknown): void {
  const boot = (body as { Boot?: Record<string, unknown> } | undefined)?.Boot;
  if (!boot || typeof boot !== 'object') {
    error(res, 400, 'Base.1.8.PropertyMissing', 'The property Boot is a required property and must be included in the request.');
    return;
  }
  const checks: [string, string[]][] = [
    ['BootSourceOverrideTarget', BOOT_TARGETS],
    ['BootSourceOverrideEnabled', ['Disabled', 'Once', 'Continuous']],
    ['BootSourceOverrideMode', bmc.options.bootMode === false ? [] : ['UEFI', 'Legacy']],
  ];
  for (const [name, values] of checks) {
    if (name in boot && !values.includes(boot[name] as string)) {
      error(
        res,
        400,
        values.length ? 'Base.1.8.PropertyValueNotInList' : 'Base.1.8.PropertyUnknown',
        values.length
          ? `The value ${JSON.stringify(boot[name])} for the property ${name} is not in the list of acceptable values.`
          : `The property ${name} is not in the list of valid properties for the resource.`,
      );
      return;
    }
  }
  Object.assign(bmc.state.boot, boot);
  bmc.state.etag += 1;
  res.writeHead(204).end();
}

function serviceRoot(sessions: boolean): Record<string, unknown> {
  return {
    '@odata.id': '/redfish/v1/',
    '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
    Id: 'RootService',
    Name: 'Root Service',
    RedfishVersion: '1.6.0',
    UUID: '92384634-2938-2342-8820-489239905423',
    Systems: { '@odata.id': '/redfish/v1/Systems' },
    Managers: { '@odata.id': '/redfish/v1/Managers' },
    ...(sessions
      ? {
          SessionService: { '@odata.id': '/redfish/v1/SessionService' },
          Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } },
        }
      : {}),
  };
}

function computerSystem(bmc: RedfishBmc, systemPath: string, resetPath: string): Record<string, unknown> {
  return {
    '@odata.id': systemPath,
    '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
    '@odata.etag': `W/"${bmc.state.etag}"`,
    Id: bmc.options.systemId ?? '1',
    Name: 'WebFrontEnd483',
    SystemType: 'Physical',
    Manufacturer: 'Contoso',
    Model: '3500RX',
    SerialNumber: '437XR1138R2',
    BiosVersion: 'P79 v1.33 (02/28/2015)',
    PowerState: bmc.state.power,
    Boot: {
      ...bmc.state.boot,
      'BootSourceOverrideTarget@Redfish.AllowableValues': BOOT_TARGETS,
    },
    Actions: {
      '#ComputerSystem.Reset': {
        target: resetPath,
        ...(bmc.options.resetActionInfo
          ? { '@Redfish.ActionInfo': `${systemPath}/ResetActionInfo` }
          : { 'ResetType@Redfish.AllowableValues': bmc.options.resetTypes ?? ALL_RESET_TYPES }),
      },
    },
    Links: { ManagedBy: [{ '@odata.id': '/redfish/v1/Managers/1' }] },
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'OData-Version': '4.0' }).end(text);
}

/** A Redfish error answer, as the Base message registry shapes it. */
function error(res: http.ServerResponse, status: number, messageId: string, message: string): void {
  json(res, status, {
    error: {
      code: messageId,
      message: 'A general error has occurred. See ExtendedInfo for more information.',
      '@Message.ExtendedInfo': [{ MessageId: messageId, Message: message, Severity: 'Critical', Resolution: 'None.' }],
    },
  });
}
