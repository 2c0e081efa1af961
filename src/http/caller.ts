// The Caller (src/caller.ts) a route hands its use case: who is signed in, the client's address and the
// base URL machines use. Only routes read `req`; use cases get this.
import type { Request, Response } from 'express';
import type { CallerWith } from '../caller.js';
import { baseUrl, clientIp } from './base-url.js';

export function callerOf(req: Request, actor: string, publicUrl: string | undefined): CallerWith<'ip' | 'baseUrl'> {
  return { actor, ip: clientIp(req), baseUrl: baseUrl(req, publicUrl) };
}

/** An API route's caller: the actor the auth guard (http/auth.ts) put in res.locals. */
export function apiCaller(req: Request, res: Response, publicUrl: string | undefined): CallerWith<'ip' | 'baseUrl'> {
  return callerOf(req, String(res.locals.actor), publicUrl);
}
