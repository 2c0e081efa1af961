// The admin API over installer sources (docs/boot.md#installer-sources). Those of KICKSTAND_INSTALLERS
// are listed with source "config" and are read-only here.
import { installerSchema } from '../installers.js';
import type { ApiArea } from './area.js';
import { noContent, ok, pathParam, ref, operationsOf } from './build.js';
import { component, nameOptional } from './components.js';

const TAG = 'Installers';
const name = pathParam('name', 'the installer name', installerSchema.properties.name);
const op = operationsOf(TAG);
const readOnly: [number, string] = [409, 'NAME_TAKEN: the name exists, or the installer comes from KICKSTAND_INSTALLERS (change the file)'];

export const installers: ApiArea = {
  tag: { name: TAG, description: 'Install trees (and their PXE kernel and initrd) the boot entries point at.' },
  schemas: {
    InstallerInput: component(installerSchema),
    InstallerReplace: nameOptional(installerSchema),
    Installer: {
      type: 'object',
      additionalProperties: false,
      required: [...installerSchema.required, 'source'],
      properties: {
        ...installerSchema.properties,
        source: { enum: ['config', 'api'], description: 'config: from the KICKSTAND_INSTALLERS file, read-only here' },
      },
    },
    InstallerList: {
      type: 'object',
      additionalProperties: false,
      required: ['installers'],
      properties: { installers: { type: 'array', items: ref('Installer') } },
    },
  },
  paths: {
    '/api/v1/installers': {
      get: op({
        operationId: 'listInstallers',
        summary: 'List installer sources',
        permission: 'read',
        responses: { '200': ok('installers', 'InstallerList') },
      }),
      post: op({
        operationId: 'createInstaller',
        summary: 'Add an installer source',
        permission: 'hosts:write',
        writes: true,
        body: 'InstallerInput',
        responses: { '201': ok('created', 'Installer') },
        errors: [readOnly],
      }),
    },
    '/api/v1/installers/{name}': {
      parameters: [name],
      get: op({
        operationId: 'getInstaller',
        summary: 'An installer source',
        permission: 'read',
        responses: { '200': ok('the installer', 'Installer') },
        errors: [[404, 'INSTALLER_NOT_FOUND']],
      }),
      put: op({
        operationId: 'replaceInstaller',
        summary: 'Replace an installer source',
        description: "The body's name may be left out; given, it must be the URL's.",
        permission: 'hosts:write',
        writes: true,
        body: 'InstallerReplace',
        responses: { '200': ok('replaced', 'Installer') },
        errors: [[404, 'INSTALLER_NOT_FOUND'], readOnly],
      }),
      delete: op({
        operationId: 'deleteInstaller',
        summary: 'Delete an installer source',
        permission: 'hosts:write',
        writes: true,
        responses: { '204': noContent },
        errors: [[404, 'INSTALLER_NOT_FOUND'], readOnly],
      }),
    },
  },
};
