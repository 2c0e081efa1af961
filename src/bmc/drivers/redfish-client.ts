// One conversation with a Redfish service, on Node's own http/https client: log in (a session, or
// basic auth where the service has no SessionService), GET/POST/PATCH JSON with the answers bounded,
// log out. Every failure is a BmcError naming the BMC; the password is never in one.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { BmcTarget } from '../bmc.js';
import { BmcError, type BmcErrorKind } from '../driver.js';

/** A BMC's biggest answer here is a ComputerSystem (some tens of KiB on iLO); more is a runaway. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Logging out after a timeout still gets this long, so a hung call does not leak a session. */
const LOGOUT_MS = 2000;

/** Where the standard puts the sessions when the root names a SessionService but no Links.Sessions. */
const SESSIONS = '/redfish/v1/SessionService/Sessions';

export type Scheme = 'https' | 'http';
export type Json = Record<string, unknown>;

export interface RedfishAnswer {
  status: number;
  body: Json;
  /** The ETag header, else the body's @odata.etag (iLO needs it back as If-Match on PATCH). */
  etag?: string;
  headers: http.IncomingHttpHeaders;
}

export class RedfishClient {
  private token?: string;
  private sessionPath: string | undefined;
  private basic = false;
  private readonly ca?: Buffer;
  /** One kept-alive connection for the conversation: a BMC's TLS handshake can take a second. */
  private readonly agent: http.Agent;

  constructor(
    private readonly target: BmcTarget,
    private readonly signal: AbortSignal,
    private readonly scheme: Scheme = 'https',
  ) {
    if (scheme === 'https' && target.verify_tls && target.ca_file) {
      try {
        this.ca = readFileSync(target.ca_file);
      } catch (error) {
        throw this.fail('protocol', `cannot read the CA file ${target.ca_file}: ${(error as NodeJS.ErrnoException).code}`);
      }
    }
    this.agent =
      scheme === 'https'
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 1,
            rejectUnauthorized: target.verify_tls,
            ...(this.ca ? { ca: this.ca } : {}),
          })
        : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** The service root (no authentication needed) and, from it, a session or basic auth. */
  async login(): Promise<Json> {
    const root = (await this.request('GET', '/redfish/v1/')).body;
    const sessions = odataId(root.Links, 'Sessions') ?? (odataId(root, 'SessionService') ? SESSIONS : undefined);
    if (!sessions) {
      this.basic = true;
      return root;
    }
    const answer = await this.request(
      'POST',
      sessions,
      { UserName: this.target.username, Password: this.target.password },
      // A refused login is reported by its status only: a BMC's message about the login request may
      // quote what was sent, and that holds the password.
      { allow: [404, 405, 501], quote: false },
    );
    const token = answer.headers['x-auth-token'];
    if (answer.status >= 400 || typeof token !== 'string') {
      // A SessionService that hands out no token: basic auth is the other way the standard allows.
      this.basic = true;
      return root;
    }
    this.token = token;
    const location = answer.headers.location ?? (typeof answer.body['@odata.id'] === 'string' ? answer.body['@odata.id'] : undefined);
    if (location) this.sessionPath = pathOf(location);
    return root;
  }

  /** Ends the session (BMCs allow a handful at a time: iDRAC refuses new ones when full, RAC0218). */
  async logout(): Promise<void> {
    try {
      if (!this.sessionPath || !this.token) return;
      const path = this.sessionPath;
      this.sessionPath = undefined;
      await this.request('DELETE', path, undefined, { signal: AbortSignal.timeout(LOGOUT_MS) }).catch(() => undefined);
    } finally {
      this.agent.destroy();
    }
  }

  get(path: string): Promise<RedfishAnswer> {
    return this.request('GET', path);
  }

  post(path: string, body: Json): Promise<RedfishAnswer> {
    return this.request('POST', path, body);
  }

  patch(path: string, body: Json, etag?: string): Promise<RedfishAnswer> {
    return this.request('PATCH', path, body, { ...(etag ? { headers: { 'If-Match': etag } } : {}) });
  }

  /** A BmcError naming the BMC. */
  fail(kind: BmcErrorKind, detail: string): BmcError {
    const message = `Redfish BMC ${this.target.address}:${this.target.port}: ${detail}`;
    return new BmcError(kind, this.target.password ? message.split(this.target.password).join('***') : message);
  }

  private request(
    method: string,
    path: string,
    body?: Json,
    options: { allow?: number[]; headers?: Record<string, string>; signal?: AbortSignal; quote?: boolean } = {},
  ): Promise<RedfishAnswer> {
    const signal = options.signal ?? this.signal;
    if (signal.aborted) return Promise.reject(this.fail('timeout', 'no answer in time'));
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: 'application/json', 'OData-Version': '4.0', ...options.headers };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (this.token) headers['X-Auth-Token'] = this.token;
    else if (this.basic) {
      headers.Authorization = `Basic ${Buffer.from(`${this.target.username}:${this.target.password}`).toString('base64')}`;
    }
    const common = {
      host: this.target.address,
      port: this.target.port,
      method,
      path,
      headers,
      signal,
      agent: this.agent,
    };
    return new Promise((resolve, reject) => {
      const onResponse = (response: http.IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            response.destroy();
            reject(this.fail('protocol', `${method} ${path}: an answer over ${MAX_RESPONSE_BYTES} bytes`));
          } else chunks.push(chunk);
        });
        response.on('error', (error) => reject(this.transportError(error, signal)));
        response.on('end', () => {
          if (size > MAX_RESPONSE_BYTES) return;
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Json = {};
          if (text.trim() !== '') {
            try {
              const value: unknown = JSON.parse(text);
              if (value && typeof value === 'object' && !Array.isArray(value)) parsed = value as Json;
              else throw new Error('not an object');
            } catch {
              if (status < 400) {
                reject(this.fail('protocol', `${method} ${path}: the answer is not JSON (HTTP ${status})`));
                return;
              }
            }
          }
          if (status >= 400 && !options.allow?.includes(status)) {
            reject(this.statusError(method, path, status, options.quote === false ? {} : parsed));
            return;
          }
          const etag = response.headers.etag ?? (typeof parsed['@odata.etag'] === 'string' ? parsed['@odata.etag'] : undefined);
          resolve({ status, body: parsed, headers: response.headers, ...(etag ? { etag } : {}) });
        });
      };
      const request = this.scheme === 'https' ? https.request(common, onResponse) : http.request(common, onResponse);
      request.on('error', (error) => reject(this.transportError(error, signal)));
      request.end(payload);
    });
  }

  private statusError(method: string, path: string, status: number, body: Json): BmcError {
    if (status === 401) return this.fail('auth', `wrong user or password (HTTP 401 on ${method} ${path})`);
    if (status === 403) {
      return this.fail('auth', `the user may not do this, or the password is wrong (HTTP 403 on ${method} ${path})`);
    }
    const said = extendedMessages(body, this.target.password);
    return this.fail('refused', `the BMC refused ${method} ${path} (HTTP ${status})${said ? `: ${said}` : ''}`);
  }

  private transportError(error: NodeJS.ErrnoException, signal: AbortSignal): BmcError {
    if (signal.aborted || error.name === 'AbortError') return this.fail('timeout', 'no answer in time');
    const code = error.code ?? '';
    if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE'].includes(code)) {
      return this.fail('unreachable', `cannot reach the BMC (${code})`);
    }
    if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/.test(code)) {
      return this.fail(
        'protocol',
        `its TLS certificate is not trusted (${code}): give the CA file that signed it (ca_file), or turn verify_tls off`,
      );
    }
    return this.fail('protocol', code || error.message);
  }
}

/** At most this many of the BMC's messages, each cut to MAX_MESSAGE characters: its words go on the
 *  timeline and into jobs, and a hostile BMC could send a megabyte of them. */
const MAX_MESSAGES = 3;
const MAX_MESSAGE = 300;

/** The BMC's own words: error.@Message.ExtendedInfo[].Message, else error.message. `secret` is scrubbed
 *  from each before it is cut (a cut could leave a piece of it no later scrub would recognise). */
export function extendedMessages(body: Json, secret?: string): string | undefined {
  const error = body.error as Json | undefined;
  const infos = error?.['@Message.ExtendedInfo'] ?? body['@Message.ExtendedInfo'];
  // iLO sends MessageID and MessageArgs without a Message: those are its words then.
  const messages = Array.isArray(infos)
    ? infos.map((info) => describe(info as Json | null)).filter((m): m is string => m !== undefined)
    : [];
  if (messages.length === 0 && typeof error?.message === 'string') messages.push(error.message);
  const scrub = (m: string) => (secret ? m.split(secret).join('***') : m);
  return messages.length
    ? messages
        .slice(0, MAX_MESSAGES)
        .map((m) => `"${scrub(m).slice(0, MAX_MESSAGE)}"`)
        .join('; ')
    : undefined;
}

function describe(info: Json | null): string | undefined {
  if (typeof info?.Message === 'string') return info.Message;
  const id = info?.MessageId ?? info?.MessageID;
  if (typeof id !== 'string' || id.endsWith('.Success')) return undefined;
  const args = Array.isArray(info?.MessageArgs) ? info.MessageArgs.filter((a) => typeof a === 'string') : [];
  return args.length ? `${id} (${args.join(', ')})` : id;
}

/** `{ "@odata.id": "/redfish/v1/…" }` under a property. */
export function odataId(value: unknown, key?: string): string | undefined {
  const holder = key === undefined ? value : (value as Json | undefined)?.[key];
  const id = (holder as Json | undefined)?.['@odata.id'];
  return typeof id === 'string' ? pathOf(id) : undefined;
}

/** A path on this BMC: a Location header may be a full URL (iLO), and only the path is followed. */
export function pathOf(reference: string): string {
  if (reference.startsWith('/')) return reference;
  try {
    return new URL(reference).pathname;
  } catch {
    return `/${reference}`;
  }
}
