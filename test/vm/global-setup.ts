// `npm run test:vm`'s globalSetup: both images the VM tests boot — the harness's installer-like
// initramfs and the dracut discovery image — are built side by side before the first file runs, and
// the accelerator is probed once. Each build is mostly one dracut process and one compressor, so on
// two cores a cold run pays about one build instead of two in a row; the files then find both in the
// cache (by content hash) and start at once.
import { discoveryImageCommand } from '../../src/cli/discovery-image.js';
import { discoveryImage } from '../discovery-image/cached-image.js';
import { vmImage } from './initramfs.js';
import { chooseAccel } from './qemu.js';

export default async function setup(): Promise<void> {
  const t = Date.now();
  // Not harness.ts's vmEnv: the harness pulls in test/support/server.ts, whose afterAll needs a test file.
  const initramfs = (async () => {
    const start = Date.now();
    const built = await vmImage();
    const imageMs = Date.now() - start;
    const { accel } = await chooseAccel(built);
    return { accel, imageMs, probeMs: Date.now() - start - imageMs };
  })();
  const [env, image] = await Promise.all([
    initramfs,
    discoveryImage(async (out) => {
      let text = '';
      await discoveryImageCommand(['build', '-o', out], (s) => (text += s));
      return text;
    }),
  ]);
  console.info(
    `vm images ready in ${Date.now() - t} ms: initramfs ${env.imageMs} ms, probe ${env.probeMs} ms (${env.accel}), discovery image ${image.cached ? 'cached' : `${image.buildMs} ms`}`,
  );
}
