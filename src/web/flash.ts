// What a form's POST did, kept a few minutes for the page its 303 redirect lands on (`?done=<id>`):
// the bulk results, or the error and the selection of a refused action. Post/redirect/get keeps the
// browser on the list's own URL (the refresh and a reload keep working), and the results need not fit
// in a URL. In this process's memory: behind several instances, a redirect landing on another one
// shows the list without the results (docs/web.md#bulk-actions). Only the user who posted reads it.
import { randomBytes } from 'node:crypto';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 1000;

interface Entry<T> {
  user: string;
  expires: number;
  value: T;
}

export class Flash<T> {
  private readonly entries = new Map<string, Entry<T>>();

  put(user: string, value: T, now = Date.now()): string {
    for (const [id, e] of this.entries) if (e.expires <= now) this.entries.delete(id);
    // Oldest first in a Map: past the cap, the oldest go.
    while (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    const id = randomBytes(12).toString('base64url');
    this.entries.set(id, { user, expires: now + TTL_MS, value });
    return id;
  }

  get(id: unknown, user: string, now = Date.now()): T | undefined {
    if (typeof id !== 'string') return undefined;
    const e = this.entries.get(id);
    return e && e.user === user && e.expires > now ? e.value : undefined;
  }
}
