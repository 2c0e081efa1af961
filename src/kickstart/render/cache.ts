// Rendered kickstarts, kept for the polls that repeat them: a provisioning host's %pre may fetch its
// answer more than once, and a rack of hosts assigned at once all poll within seconds. A render is
// reused only while nothing it depends on changed: the host record (assignment, params, hostname,
// state, facts — every change bumps updated_at), the templates (their generation) and the base URL.
// Bounded: the oldest entries go first.
//
// A render that failed is kept the same way (issue 17): a waiting machine polls every few seconds,
// and rendering, logging and recording the same failure at each poll said it twenty times. The
// failure is said once per version of what it depends on; a fix (a template save, a params change)
// changes the key and the next poll renders again.
export class RenderCache {
  private readonly entries = new Map<string, { key: string; body?: Buffer; failed?: string }>();

  constructor(private readonly max = 2000) {}

  get(id: string, key: string): Buffer | undefined {
    const hit = this.entries.get(id);
    return hit && hit.key === key ? hit.body : undefined;
  }

  set(id: string, key: string, body: Buffer): void {
    this.put(id, { key, body });
  }

  /** Why the render under `key` failed, if it did. */
  failure(id: string, key: string): string | undefined {
    const hit = this.entries.get(id);
    return hit && hit.key === key ? hit.failed : undefined;
  }

  setFailure(id: string, key: string, failed: string): void {
    this.put(id, { key, failed });
  }

  private put(id: string, entry: { key: string; body?: Buffer; failed?: string }): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}
