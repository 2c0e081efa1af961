// Rendered kickstarts, kept for the polls that repeat them: a provisioning host's %pre may fetch its
// answer more than once, and a rack of hosts assigned at once all poll within seconds. A render is
// reused only while nothing it depends on changed: the host record (assignment, params, hostname,
// state, facts — every change bumps updated_at), the templates (their generation) and the base URL.
// Bounded: the oldest entries go first.
export class RenderCache {
  private readonly entries = new Map<string, { key: string; body: Buffer }>();

  constructor(private readonly max = 2000) {}

  get(id: string, key: string): Buffer | undefined {
    const hit = this.entries.get(id);
    return hit && hit.key === key ? hit.body : undefined;
  }

  set(id: string, key: string, body: Buffer): void {
    this.entries.delete(id);
    this.entries.set(id, { key, body });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}
