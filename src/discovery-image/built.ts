// Whether a discovery image is in the served folder, and its sizes, for the Boot page.
import { stat } from 'node:fs/promises';
import path from 'node:path';

export interface BuiltImage {
  vmlinuzMiB: string;
  initrdMiB: string;
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/** The two files' sizes when both are there, otherwise undefined (the routes then answer 404). */
export async function builtImage(dir: string): Promise<BuiltImage | undefined> {
  const [kernel, initrd] = await Promise.all(['vmlinuz', 'initrd.img'].map((name) => stat(path.join(dir, name)).catch(() => undefined)));
  if (!kernel?.isFile() || !initrd?.isFile()) return undefined;
  return { vmlinuzMiB: mib(kernel.size), initrdMiB: mib(initrd.size) };
}
