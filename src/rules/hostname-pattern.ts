// Hostname patterns: `web-{{ seq(3) }}.{{ facts.dmi.vendor | slug }}.example.com` → web-007.dell-inc.example.com
// An operator template (kickstart/render/operator-template.ts: allow-listed, never arbitrary code)
// whose result must be a valid RFC 1123 hostname.
import { HOSTNAME } from '../schemas/assignment.js';
import { messageOf } from '../errors.js';
import { OperatorTemplate, PatternError, type PatternContext, type PatternHelpers } from '../kickstart/render/index.js';

export { PatternError };
const HOSTNAME_RE = new RegExp(HOSTNAME);

export class HostnamePattern {
  private constructor(private readonly template: OperatorTemplate) {}

  get source(): string {
    return this.template.source;
  }

  /** Whether rendering consumes a number of the rule's sequence. */
  get usesSeq(): boolean {
    return this.template.usesSeq;
  }

  static compile(source: string): HostnamePattern {
    try {
      return new HostnamePattern(OperatorTemplate.compile(source));
    } catch (err) {
      throw new PatternError(`hostname pattern ${messageOf(err)}`);
    }
  }

  render(ctx: PatternContext, helpers: PatternHelpers): string {
    let name: string;
    try {
      name = this.template.render(ctx, helpers).trim();
    } catch (err) {
      throw new PatternError(`pattern "${this.source}" ${messageOf(err)}`);
    }
    if (!HOSTNAME_RE.test(name))
      throw new PatternError(`pattern "${this.source}" gave "${name.slice(0, 300)}", which is not a valid hostname`);
    return name;
  }
}
