// What boot loaders and firmware fetch, anonymously like /ks: ready boot entries, the product.img
// overlay and tree mode, the dracut discovery image and the entries that load it. Every "no" on a file
// route is a bare status with an empty body (a loader must never take an error page for a kernel).
import { BOOT_FORMATS } from '../../boot/boot-config.js';
import { IMAGE_BOOT_FORMATS } from '../../boot/discovery-image.js';
import type { ApiArea, Operation, Response } from './area.js';
import { errors, OPEN, pathParam, query, text } from './build.js';

const TAG = 'Boot';

const binary = (description: string): Response => ({
  description,
  content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
});
const bare = (description: string): Response => ({ description });

/** The overlay: 200 with the file, or 404 with an empty body when none is built. */
const overlay = (operationId: string, summary: string): Operation => ({
  operationId,
  summary,
  tags: [TAG],
  security: OPEN,
  responses: { '200': binary('the product.img overlay (Cache-Control: no-cache)'), '404': bare('no overlay is built (empty body)') },
});

/** A discovery image file: GET, and HEAD with the same headers (firmware asks for the size first). */
function imageFile(name: string, id: string): Record<'get' | 'head', Operation> {
  const responses = {
    '200': binary(`${name} (ETag, Last-Modified, Cache-Control: public, no-cache)`),
    '206': binary('the range asked for (a single range)'),
    '304': bare('not modified (If-None-Match, If-Modified-Since)'),
    '404': bare('the image is not built (empty body)'),
    '412': bare('a precondition failed (If-Match, If-Unmodified-Since)'),
    '416': bare('the range is outside the file; Content-Range: bytes */SIZE'),
  };
  return {
    get: { operationId: `get${id}`, summary: `The discovery image's ${name}`, tags: [TAG], security: OPEN, responses },
    head: { operationId: `head${id}`, summary: `The discovery image's ${name}: headers only`, tags: [TAG], security: OPEN, responses },
  };
}

export const boot: ApiArea = {
  tag: {
    name: TAG,
    description: 'Boot entries, the product.img overlay, tree mode and the discovery image: open to loaders and firmware.',
  },
  paths: {
    '/boot/{format}': {
      parameters: [pathParam('format', 'the loader', { enum: [...BOOT_FORMATS] })],
      get: {
        operationId: 'getBootEntry',
        summary: 'A ready boot entry for this server (PXELinux, GRUB, iPXE script, kernel command line, DVD)',
        description:
          "?profile= is written into the entry as given and never looked up (it holds no secret): the machine's registration decides.",
        tags: [TAG],
        security: OPEN,
        parameters: [
          query('installer', 'an installer source by name (GET /api/v1/installers)'),
          query('repo', 'an install tree URL (not with installer)'),
          query('profile', "kickstand.profile= on the line (a bootable profile's name)"),
          query('mac', "iPXE only: the machine's MAC (any spelling); a host with a boot key gets its per-host script"),
        ],
        responses: {
          '200': text('the entry'),
          ...errors(
            [400, 'VALIDATION: installer and repo both given, a bad repo URL or profile name'],
            [404, 'NOT_FOUND (format) or INSTALLER_NOT_FOUND'],
          ),
        },
      },
    },
    '/images/product.img': { get: overlay('getProductImg', 'The product.img overlay (inst.updates=, or found in the tree)') },
    '/updates.img': { get: overlay('getUpdatesImg', 'The product.img overlay under the name inst.updates= expects') },
    '/tree/{name}/{path}': {
      parameters: [
        pathParam('name', 'an installer source'),
        pathParam('path', 'a path inside its install tree; may hold "/" (every other segment is taken as is)'),
      ],
      get: {
        operationId: 'getTreeFile',
        summary: "Tree mode: the installer's tree with our overlay as images/product.img",
        description:
          'images/product.img is the overlay when one is built; everything else is a 302 to the same path on the real tree (the query kept).',
        tags: [TAG],
        security: OPEN,
        responses: {
          '200': binary('images/product.img: the overlay'),
          '302': {
            description: "the file on the installer's own tree",
            headers: { Location: { schema: { type: 'string', format: 'uri' } } },
          },
          '404': bare('no such installer, or a path that climbs out of the tree (empty body)'),
        },
      },
    },
    '/discovery/vmlinuz': imageFile('vmlinuz', 'DiscoveryKernel'),
    '/discovery/initrd.img': imageFile('initrd.img', 'DiscoveryInitrd'),
    '/discovery/boot/{format}': {
      parameters: [pathParam('format', 'the loader', { enum: [...IMAGE_BOOT_FORMATS] })],
      get: {
        operationId: 'getDiscoveryImageEntry',
        summary: 'A boot entry that loads the discovery image (iPXE, GRUB2, UEFI HTTP boot, command line)',
        tags: [TAG],
        security: OPEN,
        parameters: [query('profile', 'kickstand.profile= on the line; checked for its form only')],
        responses: {
          '200': text('the entry'),
          ...errors([400, 'VALIDATION: a bad profile name'], [404, 'NOT_FOUND: no such format']),
        },
      },
    },
  },
};
