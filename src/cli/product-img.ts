// `kickstand product-img build|inspect`: build the installer overlay from RPMs and local files, or list
// what any product.img holds. Flags and a recipe file (product-img/*.json) say the same things; flags
// add to the recipe's lists and override its compression. argv → one library call → a report.
import { parseArgs } from 'node:util';
import path from 'node:path';
import {
  buildProductImg,
  formatInspection,
  inspectProductImg,
  loadRecipe,
  type BuildReport,
  type Recipe,
  type RecipeFile,
} from '../product-img/index.js';
import { messageOf, UsageError } from '../errors.js';

export const PRODUCT_IMG_USAGE = `usage:
  kickstand product-img build -o FILE [--recipe FILE.json] [--rpm FILE]... [--take PATH_GLOB]...
                              [--file SRC:DEST[:MODE]]... [--compress gzip|xz] [--preset kexec]
                              [--expect-libs FILE]
      (mtime of every entry: $SOURCE_DATE_EPOCH, default 0; same inputs give the same bytes)
  kickstand product-img inspect FILE [--json]`;

type Out = (text: string) => void;

// `npm run product-img -- …` runs in the package folder; paths typed by the user are relative to
// where they typed them, which npm passes as INIT_CWD.
const here = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);

export async function productImgCommand(
  argv: string[],
  out: Out = (t) => process.stdout.write(t),
  env: NodeJS.ProcessEnv = process.env,
  warn: Out = (t) => process.stderr.write(t),
): Promise<void> {
  const [action, ...rest] = argv;
  if (action === 'build') return build(rest, out, env, warn);
  if (action === 'inspect') return inspect(rest, out);
  throw new UsageError(action ? `unknown product-img command "${action}"` : 'missing product-img command', PRODUCT_IMG_USAGE);
}

async function build(argv: string[], out: Out, env: NodeJS.ProcessEnv, warn: Out): Promise<void> {
  const { values, positionals } = parse(argv, {
    output: { type: 'string', short: 'o' },
    recipe: { type: 'string' },
    rpm: { type: 'string', multiple: true },
    take: { type: 'string', multiple: true },
    file: { type: 'string', multiple: true },
    compress: { type: 'string' },
    preset: { type: 'string' },
    'expect-libs': { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, PRODUCT_IMG_USAGE);
  if (!values.output) throw new UsageError('-o FILE is required', PRODUCT_IMG_USAGE);
  if (values.compress !== undefined && values.compress !== 'gzip' && values.compress !== 'xz')
    throw new UsageError(`--compress must be gzip or xz, not "${values.compress}"`, PRODUCT_IMG_USAGE);
  if (values.preset !== undefined && values.preset !== 'kexec')
    throw new UsageError(`--preset must be kexec, not "${values.preset}"`, PRODUCT_IMG_USAGE);

  const base: Recipe = values.recipe ? await loadRecipe(here(values.recipe)) : { rpms: [], take: [], files: [], compress: 'gzip' };
  const recipe: Recipe = {
    rpms: [...base.rpms, ...(values.rpm ?? []).map(here)],
    take: [...base.take, ...(values.take ?? [])],
    files: [...base.files, ...(values.file ?? []).map(fileSpec)],
    compress: values.compress ?? base.compress,
    ...(values.preset || base.preset ? { preset: 'kexec' as const } : {}),
    ...(values['expect-libs'] ? { expectLibs: here(values['expect-libs']) } : base.expectLibs ? { expectLibs: base.expectLibs } : {}),
  };
  if (!recipe.rpms.length && !recipe.files.length)
    throw new UsageError('nothing to pack: give --rpm with --take/--preset, --file, or a --recipe', PRODUCT_IMG_USAGE);
  if (recipe.rpms.length && !recipe.take.length && !recipe.preset)
    throw new UsageError('--rpm needs --take PATH_GLOB or --preset kexec to say which files to take', PRODUCT_IMG_USAGE);

  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && !/^\d{1,10}$/.test(epoch))
    throw new UsageError(`SOURCE_DATE_EPOCH must be a whole number of seconds, not "${epoch}"`, PRODUCT_IMG_USAGE);
  const report = await buildProductImg(recipe, {
    outPath: here(values.output),
    ...(epoch !== undefined ? { sourceDateEpoch: Number(epoch) } : {}),
  });
  for (const s of report.skipped)
    warn(`kickstand: warning: ${s.from}: left out "${s.path}": a .buildstamp is never packed, Anaconda must take it from the media\n`);
  out(formatReport(report, recipe));
}

async function inspect(argv: string[], out: Out): Promise<void> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one FILE', PRODUCT_IMG_USAGE);
  const inspection = await inspectProductImg(here(positionals[0]!));
  out(values.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatInspection(inspection));
}

/** SRC:DEST[:MODE] — MODE in octal. A Windows-style "C:" never reaches a Linux provisioning host. */
function fileSpec(spec: string): RecipeFile {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1])
    throw new UsageError(`--file "${spec}": expected SRC:DEST[:MODE]`, PRODUCT_IMG_USAGE);
  const [src, dest, mode] = parts as [string, string, string | undefined];
  if (mode !== undefined && !/^0?[0-7]{3,4}$/.test(mode))
    throw new UsageError(`--file "${spec}": MODE must be octal, e.g. 0755`, PRODUCT_IMG_USAGE);
  return { src: here(src), dest, ...(mode !== undefined ? { mode: parseInt(mode, 8) } : {}) };
}

function formatReport(r: BuildReport, recipe: Recipe): string {
  const lines = [`wrote ${r.outPath} (${r.compress}, ${r.size} bytes, sha256 ${r.sha256})`];
  for (const e of r.entries)
    lines.push(
      `  ${e.mode.toString(8).padStart(6, '0')} ${String(e.size).padStart(10)} ${e.path}${e.linkTarget !== undefined ? ` -> ${e.linkTarget}` : ''}${e.from ? `  (from ${path.basename(e.from)})` : ''}`,
    );
  for (const n of r.needed) lines.push(`needs ${n.path}: ${n.needed.length ? n.needed.join(' ') : '(static)'}`);
  if (!recipe.expectLibs && r.missing.length) {
    lines.push(
      `not packed (check them against the target image with --expect-libs product-img/expect-libs/rhelN.txt): ${r.missing.map((m) => m.lib).join(' ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function parse<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(messageOf(err), PRODUCT_IMG_USAGE);
  }
}
