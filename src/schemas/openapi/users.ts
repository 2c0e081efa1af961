// The admin API over users and personal API tokens (docs/operations.md#users-roles-and-tokens).
// These bodies are checked field by field in src/http/users.ts and src/auth/users.ts, not by an ajv
// schema; the schemas here say what those checks accept.
import type { ApiArea } from './area.js';
import { noContent, ok, pathParam, ref, operationsOf } from './build.js';
import { dateTime } from './components.js';

const TAG = 'Users';
const name = pathParam('name', 'the user name');
const op = operationsOf(TAG);
const ROLE = { enum: ['admin', 'operator', 'author', 'viewer'] } as const;
const userProperties = {
  name: { type: 'string' },
  role: ROLE,
  created_at: dateTime,
  updated_at: dateTime,
  tokens: { type: 'array', items: ref('ApiTokenInfo') },
} as const;
const userRequired = ['name', 'role', 'created_at', 'updated_at', 'tokens'];

export const users: ApiArea = {
  tag: { name: TAG, description: 'People, their roles and their personal API tokens (at most 20 each).' },
  schemas: {
    User: { type: 'object', additionalProperties: false, required: userRequired, properties: userProperties },
    UserCreated: {
      type: 'object',
      additionalProperties: false,
      required: userRequired,
      properties: { ...userProperties, password: { type: 'string', description: 'the drawn password, when none was given: shown once' } },
    },
    UserList: {
      type: 'object',
      additionalProperties: false,
      required: ['users'],
      properties: { users: { type: 'array', items: ref('User') } },
    },
    ApiTokenInfo: {
      type: 'object',
      description: 'A personal token without its secret (the hash stays inside)',
      additionalProperties: false,
      required: ['id', 'name', 'created_at'],
      properties: { id: { type: 'string' }, name: { type: 'string' }, created_at: dateTime, last_used_at: dateTime },
    },
    ApiTokenCreated: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'token'],
      properties: { id: { type: 'string' }, token: { type: 'string', description: 'the bearer token, shown once' } },
    },
    Principal: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'role', 'via'],
      properties: { name: { type: 'string' }, role: ROLE, via: { enum: ['admin-token', 'api-token', 'session'] } },
    },
    UserCreate: {
      type: 'object',
      required: ['name', 'role'],
      properties: {
        name: { type: 'string' },
        role: ROLE,
        password: { type: 'string', description: 'drawn and answered once when left out' },
      },
    },
    UserRoleChange: { type: 'object', required: ['role'], properties: { role: ROLE } },
    PasswordReset: { type: 'object', properties: { password: { type: 'string', description: 'drawn and answered once when left out' } } },
    PasswordResetDone: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { type: 'string' }, password: { type: 'string', description: 'the drawn password, when none was given' } },
    },
    TokenCreate: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[\\w .-]{1,64}$' } } },
  },
  paths: {
    '/api/v1/users': {
      get: op({
        operationId: 'listUsers',
        summary: 'List users',
        permission: 'users:write',
        responses: { '200': ok('users', 'UserList') },
      }),
      post: op({
        operationId: 'createUser',
        summary: 'Create a user',
        permission: 'users:write',
        writes: true,
        body: 'UserCreate',
        responses: { '201': ok('created', 'UserCreated') },
        errors: [[409, 'NAME_TAKEN']],
      }),
    },
    '/api/v1/users/{name}': {
      parameters: [name],
      patch: op({
        operationId: 'changeUserRole',
        summary: "Change a user's role (their web sessions end)",
        permission: 'users:write',
        writes: true,
        body: 'UserRoleChange',
        responses: { '200': ok('the user', 'User') },
        errors: [404],
      }),
      delete: op({
        operationId: 'deleteUser',
        summary: 'Delete a user: their sessions and tokens end at once',
        permission: 'users:write',
        writes: true,
        responses: { '204': noContent },
        errors: [404],
      }),
    },
    '/api/v1/users/{name}/password': {
      parameters: [name],
      post: op({
        operationId: 'resetPassword',
        summary: 'Set or draw a new password (their web sessions end)',
        permission: 'users:write',
        writes: true,
        body: 'PasswordReset',
        responses: { '200': ok('done', 'PasswordResetDone') },
        errors: [404],
      }),
    },
    '/api/v1/users/{name}/tokens': {
      parameters: [name],
      post: op({
        operationId: 'createUserToken',
        summary: 'Create a personal API token for a user',
        permission: 'users:write',
        writes: true,
        body: 'TokenCreate',
        responses: { '201': ok('the token, shown once', 'ApiTokenCreated') },
        errors: [404, [409, 'LIMIT_REACHED: the user has 20 tokens (field: tokens)']],
      }),
    },
    '/api/v1/me': {
      get: op({
        operationId: 'whoAmI',
        summary: 'Who the token belongs to',
        permission: 'signed-in',
        responses: { '200': ok('the caller', 'Principal') },
      }),
    },
    '/api/v1/me/tokens': {
      post: op({
        operationId: 'createMyToken',
        summary: 'Create a personal API token for yourself',
        permission: 'signed-in',
        writes: true,
        body: 'TokenCreate',
        responses: { '201': ok('the token, shown once', 'ApiTokenCreated') },
        errors: [
          [403, 'FORBIDDEN: the admin token belongs to no user'],
          [409, 'LIMIT_REACHED: you have 20 tokens (field: tokens)'],
        ],
      }),
    },
    '/api/v1/me/tokens/{id}': {
      parameters: [pathParam('id', 'the token id')],
      delete: op({
        operationId: 'revokeMyToken',
        summary: 'Revoke one of your personal API tokens',
        permission: 'signed-in',
        writes: true,
        responses: { '204': noContent },
        errors: [404],
      }),
    },
  },
};
