// The admin API over profiles: named, reusable assignments (docs/profiles.md).
import { kexecProfileSchema, kickstartProfileSchema, NAME, rebootProfileSchema, stageProfileSchema } from '../assignment.js';
import type { ApiArea } from './area.js';
import { ok, pathParam, query, ref, operationsOf } from './build.js';
import { actionFields, component, dateTime, nameOptional } from './components.js';

const TAG = 'Profiles';
const name = pathParam('name', 'the profile name', { type: 'string', pattern: NAME });
const op = operationsOf(TAG);
const ACTIONS = ['Kickstart', 'Kexec', 'Stage', 'Reboot'];
const profileBody = { oneOf: ACTIONS.map((a) => ref(`${a}Profile`)) };
const replaceBody = { oneOf: ACTIONS.map((a) => ref(`${a}ProfileReplace`)) };
const names = { type: 'array', items: { type: 'string' } } as const;

const profileProperties = {
  name: { type: 'string' },
  description: { type: 'string' },
  bootable: { type: 'boolean' },
  bmc_credentials: { type: 'string', description: 'the BMC credential set of its hosts' },
  ...actionFields,
  created_at: dateTime,
  updated_at: dateTime,
} as const;
const profileRequired = ['name', 'action', 'bootable', 'created_at', 'updated_at'];

export const profiles: ApiArea = {
  tag: { name: TAG, description: 'Named, reusable assignments that rules and boot entries refer to.' },
  schemas: {
    KickstartProfile: component(kickstartProfileSchema),
    KexecProfile: component(kexecProfileSchema),
    StageProfile: component(stageProfileSchema),
    RebootProfile: component(rebootProfileSchema),
    KickstartProfileReplace: nameOptional(kickstartProfileSchema),
    KexecProfileReplace: nameOptional(kexecProfileSchema),
    StageProfileReplace: nameOptional(stageProfileSchema),
    RebootProfileReplace: nameOptional(rebootProfileSchema),
    Profile: { type: 'object', additionalProperties: false, required: profileRequired, properties: profileProperties },
    ProfileSaved: {
      type: 'object',
      additionalProperties: false,
      required: [...profileRequired, 'warnings'],
      properties: {
        ...profileProperties,
        warnings: {
          type: 'array',
          items: { type: 'string' },
          description:
            'what the template needs that the params lack, found by rendering it against a sample machine (`rhel.ks.njk needs params.repo (line 9)`); saved anyway (docs/profiles.md#save-time-warnings)',
        },
      },
    },
    ProfileDetail: {
      type: 'object',
      additionalProperties: false,
      required: [...profileRequired, 'used_by'],
      properties: { ...profileProperties, used_by: ref('ProfileUsers') },
    },
    ProfileUsers: {
      type: 'object',
      additionalProperties: false,
      required: ['hosts', 'rules'],
      properties: { hosts: { ...names, description: 'host ids (not provisioning)' }, rules: { ...names, description: 'rule names' } },
    },
    ProfileList: {
      type: 'object',
      additionalProperties: false,
      required: ['profiles'],
      properties: { profiles: { type: 'array', items: ref('Profile') } },
    },
    ProfileDeleted: {
      type: 'object',
      additionalProperties: false,
      required: ['deleted', 'was_used_by'],
      properties: { deleted: { type: 'string' }, was_used_by: ref('ProfileUsers') },
    },
  },
  paths: {
    '/api/v1/profiles': {
      get: op({
        operationId: 'listProfiles',
        summary: 'List profiles',
        permission: 'read',
        responses: { '200': ok('profiles', 'ProfileList') },
      }),
      post: op({
        operationId: 'createProfile',
        summary: 'Create a profile',
        permission: 'hosts:write',
        writes: true,
        body: profileBody,
        responses: { '201': ok('created', 'ProfileSaved') },
        errors: [[409, 'NAME_TAKEN: a profile with this name exists']],
      }),
    },
    '/api/v1/profiles/{name}': {
      parameters: [name],
      get: op({
        operationId: 'getProfile',
        summary: 'A profile and what uses it',
        permission: 'read',
        responses: { '200': ok('the profile', 'ProfileDetail') },
        errors: [404],
      }),
      put: op({
        operationId: 'replaceProfile',
        summary: 'Replace a profile',
        description: "The body's name may be left out; given, it must be the URL's.",
        permission: 'hosts:write',
        writes: true,
        body: replaceBody,
        responses: { '200': ok('replaced', 'ProfileSaved') },
        errors: [404],
      }),
      delete: op({
        operationId: 'deleteProfile',
        summary: 'Delete a profile',
        permission: 'hosts:write',
        writes: true,
        parameters: [query('force', 'true: delete it even when rules or hosts use it', { enum: ['true', 'false'] })],
        responses: { '200': ok('deleted, with what used it', 'ProfileDeleted') },
        errors: [404, [409, 'PROFILE_IN_USE: rules or hosts use it (without force=true)']],
      }),
    },
  },
};
