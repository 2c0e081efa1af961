// The product.img recipe: which rpms to open, which of their files to take, which local files to
// add, and how to compress. JSON, checked against a JSON Schema (2020-12) so every mistake names its
// field. Relative paths in a recipe file are relative to the recipe file.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { ProductImgError } from './errors.js';
import { messageOf, errnoOf } from '../errors.js';

export interface RecipeFile {
  src: string;
  dest: string;
  mode?: number;
}

export interface Recipe {
  rpms: string[];
  take: string[];
  files: RecipeFile[];
  compress: 'gzip' | 'xz';
  preset?: 'kexec';
  expectLibs?: string;
}

const path = { type: 'string', minLength: 1, maxLength: 4096 } as const;

export const recipeSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://kickstand.invalid/schemas/product-img-recipe.json',
  title: 'product.img recipe',
  type: 'object',
  additionalProperties: false,
  required: ['compress'],
  properties: {
    $schema: { type: 'string' },
    description: { type: 'string', maxLength: 1000 },
    rpms: { type: 'array', items: path, maxItems: 1000, description: 'rpm package files to take files from' },
    take: { type: 'array', items: path, maxItems: 1000, description: 'path globs matched against the rpms\' file paths' },
    files: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['src', 'dest'],
        properties: {
          src: path,
          dest: path,
          mode: {
            description: 'permission bits; a number or an octal string such as "0755"; default: the source file\'s',
            anyOf: [
              { type: 'integer', minimum: 0, maximum: 0o7777 },
              { type: 'string', pattern: '^0?[0-7]{3,4}$' },
            ],
          },
        },
      },
    },
    compress: { enum: ['gzip', 'xz'] },
    preset: { enum: ['kexec'], description: 'kexec: take usr/sbin/kexec and/or usr/bin/kexec' },
    expectLibs: { ...path, description: 'file listing the sonames the target Anaconda runtime provides' },
  },
} as const;

// Compiled on first use: a build from command-line flags never reads a recipe, and ajv's compile is
// a good part of the CLI's start-up.
let compiled: ValidateFunction | undefined;
const validator = (): ValidateFunction => (compiled ??= new Ajv2020({ allErrors: false, strict: true }).compile(recipeSchema));

/** Checks a parsed recipe; `file` names it in errors, `baseDir` anchors its relative paths. */
export function parseRecipe(data: unknown, file: string, baseDir: string): Recipe {
  const check = validator();
  if (!check(data)) {
    // Inside anyOf, ajv lists each branch's complaint before the anyOf one; the latter reads better.
    const errs = check.errors ?? [];
    throw new ProductImgError('BAD_RECIPE', file, describe(errs.find((e) => e.keyword === 'anyOf') ?? errs[0]));
  }
  const raw = data as Omit<Recipe, 'files' | 'rpms' | 'take'> & {
    rpms?: string[];
    take?: string[];
    files?: { src: string; dest: string; mode?: number | string }[];
  };
  const at = (p: string) => resolve(baseDir, p);
  return {
    rpms: (raw.rpms ?? []).map(at),
    take: raw.take ?? [],
    files: (raw.files ?? []).map((f) => ({
      src: at(f.src),
      dest: f.dest,
      ...(f.mode === undefined ? {} : { mode: typeof f.mode === 'string' ? parseInt(f.mode, 8) : f.mode }),
    })),
    compress: raw.compress,
    ...(raw.preset ? { preset: raw.preset } : {}),
    ...(raw.expectLibs ? { expectLibs: at(raw.expectLibs) } : {}),
  };
}

export async function loadRecipe(path: string): Promise<Recipe> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ProductImgError('BAD_RECIPE', path, `cannot read the recipe (${errnoOf(err) ?? String(err)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ProductImgError('BAD_RECIPE', path, `not valid JSON (${messageOf(err)})`);
  }
  return parseRecipe(data, path, dirname(resolve(path)));
}

function field(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  const name = parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
  return name || '(top level)';
}

function describe(err: ErrorObject | undefined): string {
  if (!err) return 'invalid recipe';
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required':
      return `field "${field(err.instancePath, String(p.missingProperty))}" is required`;
    case 'additionalProperties':
      return `field "${field(err.instancePath, String(p.additionalProperty))}" is not a known field`;
    case 'enum':
      return `field "${field(err.instancePath)}" must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'anyOf':
      return `field "${field(err.instancePath)}" must be a number up to 4095 or an octal string like "0755"`;
    default:
      return `field "${field(err.instancePath)}" ${err.message ?? 'is invalid'}`;
  }
}
