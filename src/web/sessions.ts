// Browser sessions for the web forms: a random id in an HttpOnly, SameSite=Lax cookie (Secure over
// TLS), the user and a CSRF token on the server. In memory on purpose: a restart logs people out,
// which costs a login, while a session file would be one more secret at rest.
import { randomBytes } from 'node:crypto';
import type { Role } from '../auth/roles.js';

export interface Session {
  id: string;
  user: string;
  role: Role;
  /** Every form posts it back; a request from another site cannot know it. */
  csrf: string;
  expires: number;
}

export const SESSION_COOKIE = 'ks_session';
const TTL_MS = 12 * 3600_000;
const MAX_SESSIONS = 10_000;

export class Sessions {
  private readonly byId = new Map<string, Session>();

  create(user: string, role: Role, now = Date.now()): Session {
    if (this.byId.size >= MAX_SESSIONS) this.sweep(now);
    const session: Session = { id: randomBytes(24).toString('base64url'), user, role, csrf: randomBytes(24).toString('base64url'), expires: now + TTL_MS };
    this.byId.set(session.id, session);
    return session;
  }

  get(id: string | undefined, now = Date.now()): Session | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expires < now) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  destroy(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }

  /** Drop every session of a user (password reset, user deleted). */
  destroyUser(user: string): void {
    for (const [id, s] of this.byId) if (s.user === user) this.byId.delete(id);
  }

  private sweep(now: number): void {
    for (const [id, s] of this.byId) if (s.expires < now) this.byId.delete(id);
    // Still full: the oldest sessions go (Map keeps insertion order).
    for (const id of this.byId.keys()) {
      if (this.byId.size < MAX_SESSIONS) break;
      this.byId.delete(id);
    }
  }
}
