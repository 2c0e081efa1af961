// The bare kernel command line: what to type at the installer's boot prompt (DVD, ISO, USB).
import { discoveryArgs, type BootSource } from './options.js';

export function cmdline(src: BootSource): string {
  return discoveryArgs(src).join(' ');
}
