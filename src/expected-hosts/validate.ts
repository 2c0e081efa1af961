// One expected host as an import gives it (a JSON list's object, or a CSV row turned into the same
// shape by columns.ts), checked field by field. Every problem is kept with the field's path
// (`match.mac`, `params.x`, `bmc.address`) so the caller can name the line and column or the array
// index, and an import reports them all. Lookups (profiles, credential sets) come in as name sets,
// read once per import. Free-text keys (serial, asset tag, switch, port) start with a letter or digit
// and hold no quotes or angle brackets: they reach pages and spreadsheets, where a leading = + - @
// would be a formula.
import { BMC_DRIVERS, type BmcDriverName } from '../bmc/bmc.js';
import { bmcAddressRefusal } from '../bmc/address.js';
import { HOSTNAME } from '../schemas/assignment.js';
import { MAX_TAGS_PER_HOST, TAG_PATTERN } from '../tags/tag.js';
import { MAX_PARAMS } from './columns.js';
import {
  FREE_TEXT_PATTERN,
  MAC_PATTERN,
  MATCH_KEYS,
  UUID_PATTERN,
  type ExpectedBmc,
  type ExpectedHost,
  type ExpectedMatch,
} from './expected-host.js';
import { normalizeMatch } from './match.js';

/** What an import sets on a record; the rest (id, times, the claim) the import keeps or makes. */
export type ExpectedHostDraft = Pick<ExpectedHost, 'match' | 'hostname' | 'profile' | 'params' | 'tags' | 'bmc' | 'provision'>;

export interface FieldProblem {
  /** `match.mac`, `params.x`, `bmc.address`; empty for the record as a whole. */
  path: string;
  message: string;
}

export interface ValidateContext {
  profiles: ReadonlySet<string>;
  credentialSets: ReadonlySet<string>;
}

const MAC = new RegExp(MAC_PATTERN);
const UUID = new RegExp(UUID_PATTERN);
const FREE_TEXT = new RegExp(FREE_TEXT_PATTERN);
const HOSTNAME_RE = new RegExp(HOSTNAME);
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
// Names that would reach an object's prototype if a consumer ever assigned them as keys.
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const TOP_KEYS = ['match', 'hostname', 'profile', 'params', 'tags', 'bmc', 'provision'];
const BMC_KEYS = ['driver', 'address', 'port', 'credentials'];
const MAX_PARAMS_JSON = 16 * 1024;
const YES = new Set(['true', 'yes', '1']);
const NO = new Set(['false', 'no', '0']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems kept for one row (a JSON object with a million unknown keys is a million problems):
 *  past it they are only counted (`more`). */
export const MAX_ROW_PROBLEMS = 200;

/** The draft, or the problems; `paramCells` are a CSV row's param.NAME columns. */
export function validateInput(
  raw: unknown,
  ctx: ValidateContext,
  paramCells: Record<string, string> = {},
): { draft?: ExpectedHostDraft; problems: FieldProblem[]; more?: number } {
  const problems: FieldProblem[] = [];
  let more = 0;
  const bad = (path: string, message: string) => {
    if (problems.length < MAX_ROW_PROBLEMS) problems.push({ path, message });
    else more++;
  };
  if (!isObject(raw)) return { problems: [{ path: '', message: 'must be an object' }] };
  for (const key of Object.keys(raw)) if (!TOP_KEYS.includes(key)) bad(key, `unknown field "${key}" (fields: ${TOP_KEYS.join(', ')})`);

  const match = matchOf(raw.match, bad);
  const hostname = optionalString(raw, 'hostname', bad);
  if (hostname !== undefined && !HOSTNAME_RE.test(hostname))
    bad('hostname', 'must be a valid hostname (RFC 1123: letters, digits, hyphens, dot-separated labels)');
  const profile = optionalString(raw, 'profile', bad);
  if (profile !== undefined && !ctx.profiles.has(profile)) bad('profile', `no profile named "${profile}"`);
  const params = paramsOf(raw.params, paramCells, bad);
  const tags = tagsOf(raw.tags, bad);
  const bmc = bmcOf(raw.bmc, ctx, bad);
  const provision = provisionOf(raw.provision, bad);
  if (problems.length) return { problems, ...(more ? { more } : {}) };
  return {
    draft: {
      match: match!,
      ...(hostname !== undefined ? { hostname: hostname.toLowerCase() } : {}),
      ...(profile !== undefined ? { profile } : {}),
      ...(params ? { params } : {}),
      ...(tags ? { tags } : {}),
      ...(bmc ? { bmc } : {}),
      provision,
    },
    problems,
  };
}

type Bad = (path: string, message: string) => void;

function optionalString(raw: Record<string, unknown>, key: string, bad: Bad): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') {
    bad(key, 'must be a string');
    return undefined;
  }
  return v.trim() || undefined;
}

function matchOf(raw: unknown, bad: Bad): ExpectedMatch | undefined {
  if (!isObject(raw)) {
    bad('match', 'must be an object with at least one of boot_mac, mac, serial, asset_tag, uuid, switch and port');
    return undefined;
  }
  const out: ExpectedMatch = {};
  // Set by badKey in the loop (a closure: a plain `let` would read as never changed).
  const state = { wrong: false };
  const badKey: Bad = (path, message) => {
    state.wrong = true;
    bad(path, message);
  };
  for (const key of Object.keys(raw)) {
    if (!(MATCH_KEYS as readonly string[]).includes(key)) {
      badKey(`match.${key}`, `unknown match key "${key}" (keys: ${MATCH_KEYS.join(', ')})`);
      continue;
    }
    const k = key as keyof ExpectedMatch;
    const v = raw[key];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') {
      badKey(`match.${key}`, 'must be a string');
      continue;
    }
    const value = v.trim();
    if ((k === 'boot_mac' || k === 'mac') && !MAC.test(value))
      badKey(`match.${key}`, `"${value}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
    else if (k === 'uuid' && !UUID.test(value)) badKey(`match.${key}`, `"${value}" is not a UUID (8-4-4-4-12 hex digits)`);
    else if (k !== 'boot_mac' && k !== 'mac' && k !== 'uuid' && !FREE_TEXT.test(value))
      badKey(
        `match.${key}`,
        'must start with a letter or digit and hold only letters, digits, spaces and . _ : / # ( ) + , - (at most 128)',
      );
    else out[k] = k === 'boot_mac' || k === 'mac' ? value.replace(/-/g, ':') : value;
  }
  if ((out.switch === undefined) !== (out.port === undefined))
    badKey(out.switch === undefined ? 'match.switch' : 'match.port', 'switch and port go together');
  if (!state.wrong && !Object.keys(out).length)
    bad('match', 'needs at least one of boot_mac, mac, serial, asset_tag, uuid, switch and port');
  return state.wrong ? undefined : normalizeMatch(out);
}

function paramsOf(raw: unknown, cells: Record<string, string>, bad: Bad): Record<string, unknown> | undefined {
  let params: Record<string, unknown> = {};
  if (typeof raw === 'string') {
    // A CSV `params` cell: one JSON object.
    if (raw.length > MAX_PARAMS_JSON) bad('params', `is longer than ${MAX_PARAMS_JSON} characters`);
    else
      try {
        raw = JSON.parse(raw) as unknown;
      } catch (err) {
        bad('params', `is not valid JSON (${(err as Error).message})`);
        return undefined;
      }
  }
  if (raw !== undefined && raw !== null) {
    if (!isObject(raw)) {
      bad('params', 'must be a JSON object');
      return undefined;
    }
    params = raw;
  }
  const out: Record<string, unknown> = {};
  const names = [...Object.keys(params), ...Object.keys(cells)];
  if (names.length > MAX_PARAMS) bad('params', `more than ${MAX_PARAMS} params`);
  for (const [name, value] of [...Object.entries(params), ...Object.entries(cells)]) {
    if (PROTOTYPE_KEYS.has(name)) bad(`params.${name}`, `"${name}" may not be a param name`);
    else if (!PARAM_NAME.test(name)) bad(`params.${name}`, 'a param name is a letter or _ then letters, digits, _ (at most 64)');
    else if (Object.hasOwn(out, name)) bad(`params.${name}`, `param "${name}" is given twice (params and param.${name})`);
    else out[name] = value;
  }
  return names.length ? out : undefined;
}

function tagsOf(raw: unknown, bad: Bad): string[] | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const list = typeof raw === 'string' ? raw.split(/[\s;]+/).filter(Boolean) : raw;
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) {
    bad('tags', 'must be a list of tags');
    return undefined;
  }
  const tags = [...new Set(list as string[])];
  const wrong = tags.find((t) => !TAG_PATTERN.test(t));
  if (wrong !== undefined) bad('tags', `"${wrong}" is not a tag (lower case letters and digits, then - _ . : ; at most 64)`);
  else if (tags.length > MAX_TAGS_PER_HOST) bad('tags', `more than ${MAX_TAGS_PER_HOST} tags`);
  return tags.length ? tags : undefined;
}

function bmcOf(raw: unknown, ctx: ValidateContext, bad: Bad): ExpectedBmc | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    bad('bmc', 'must be an object');
    return undefined;
  }
  for (const key of Object.keys(raw))
    if (!BMC_KEYS.includes(key)) bad(`bmc.${key}`, `unknown field "${key}" (fields: ${BMC_KEYS.join(', ')})`);
  const driver = optionalString(raw, 'driver', (p, m) => bad(`bmc.${p}`, m));
  const address = optionalString(raw, 'address', (p, m) => bad(`bmc.${p}`, m));
  const credentials = optionalString(raw, 'credentials', (p, m) => bad(`bmc.${p}`, m));
  if (!driver) bad('bmc.driver', `is required with a BMC (${BMC_DRIVERS.join(' or ')})`);
  else if (!(BMC_DRIVERS as readonly string[]).includes(driver)) bad('bmc.driver', `must be ${BMC_DRIVERS.join(' or ')}`);
  if (!address) bad('bmc.address', 'is required with a BMC');
  else {
    // Where it may point (KICKSTAND_BMC_NETWORKS) is the import's check: a BMC an admin set stays.
    const refusal = bmcAddressRefusal(address, [], true);
    if (refusal) bad('bmc.address', refusal.message);
  }
  let port: number | undefined;
  if (raw.port !== undefined && raw.port !== null && raw.port !== '') {
    port =
      typeof raw.port === 'string' && /^\d{1,5}$/.test(raw.port.trim())
        ? Number(raw.port.trim())
        : typeof raw.port === 'number'
          ? raw.port
          : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) bad('bmc.port', 'must be a port number (1-65535)');
  }
  if (credentials !== undefined && !NAME.test(credentials)) bad('bmc.credentials', 'is not a credential set name');
  else if (credentials !== undefined && !ctx.credentialSets.has(credentials))
    bad('bmc.credentials', `no BMC credential set named "${credentials}"`);
  if (!driver || !address) return undefined;
  return {
    driver: driver as BmcDriverName,
    address,
    ...(port !== undefined ? { port } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
  };
}

function provisionOf(raw: unknown, bad: Bad): boolean {
  if (raw === undefined || raw === null || raw === '') return false;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && YES.has(raw.trim().toLowerCase())) return true;
  if (typeof raw === 'string' && NO.has(raw.trim().toLowerCase())) return false;
  bad('provision', 'must be true or false (CSV: true/false, yes/no, 1/0)');
  return false;
}
