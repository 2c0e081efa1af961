// People who use Kickstand, and their personal API tokens (hashed at rest, shown once).
import type { Role } from './roles.js';

export interface ApiToken {
  id: string;
  /** What the owner called it ("ci", "laptop"). */
  name: string;
  /** sha256 of the token (hosts/tokens.ts): a stolen data file does not yield usable tokens. */
  hash: string;
  created_at: string;
  last_used_at?: string;
}

export interface User {
  name: string;
  role: Role;
  password_hash: string;
  tokens: ApiToken[];
  /** Moves on at every password reset and role change: web sessions started before it end (checked on
   *  every request, so a change made by another process counts at once). Absent = 0. */
  sessions_epoch?: number;
  created_at: string;
  updated_at: string;
}

/** Who is making a request, however they proved it. */
export interface Principal {
  name: string;
  role: Role;
  via: 'admin-token' | 'api-token' | 'session';
}
