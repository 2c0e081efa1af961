// A browser session of the web forms (web/sessions.ts makes and checks them; a SessionRepository in
// store.ts keeps them).
import type { Role } from './roles.js';

export interface Session {
  /** The cookie's value: whoever has it is logged in. */
  id: string;
  user: string;
  /** Read from the stored user on every request (current()), never trusted from login time. */
  role: Role;
  /** The user's created_at and sessions_epoch at login: a session outlives neither. */
  userCreatedAt: string;
  epoch: number;
  /** Every form posts it back; a request from another site cannot know it. */
  csrf: string;
  expires: number;
}

export const SESSION_TTL_MS = 12 * 3600_000;
/** The most sessions kept; past it the oldest go. */
export const MAX_SESSIONS = 10_000;
