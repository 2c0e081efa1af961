// The stub kickstart every machine fetches first. dracut fetches it once and, on anything but a 200,
// waits ~180 s and drops to an emergency shell (anaconda.md §1), so this must never fail: if an author
// breaks stub.ks.njk we keep serving the last good render, and before any good render, a minimal stub
// whose %pre writes an empty include so Anaconda simply goes interactive.
import type { KickstartEnvironment } from './environment.js';
import { messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';

export const STUB_TEMPLATE = 'stub.ks.njk';
export const INCLUDE_PATH = '/tmp/kickstand.ks';

const EMERGENCY_STUB = `# Kickstand could not render its discovery stub (see the service log); installing interactively.
%pre --interpreter=/bin/bash
echo '# kickstand: discovery unavailable' > ${INCLUDE_PATH}
%end

%include ${INCLUDE_PATH}
`;

/** Service settings the stub's %pre reads (rendered into it, so they reach every machine). */
export interface StubSettings {
  /** Seconds the %pre listens for LLDP neighbours (KICKSTAND_LLDP_WAIT; 0 = off). */
  lldpWait: number;
}

export class StubRenderer {
  private readonly lastGood = new Map<string, string>();

  constructor(
    private readonly kickstarts: KickstartEnvironment,
    private readonly log: Logger,
    private readonly settings: StubSettings = { lldpWait: 35 },
  ) {}

  render(baseUrl: string): string {
    try {
      const text = this.kickstarts.render(STUB_TEMPLATE, { kickstand: { url: baseUrl, lldp_wait: this.settings.lldpWait } });
      if (this.lastGood.size > 64) this.lastGood.clear(); // a handful of base URLs in practice
      this.lastGood.set(baseUrl, text);
      return text;
    } catch (err) {
      this.log.error({ err: messageOf(err) }, 'stub kickstart does not render; serving the last good one');
      return this.lastGood.get(baseUrl) ?? EMERGENCY_STUB;
    }
  }
}
