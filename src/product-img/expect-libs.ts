// A list of shared libraries the target Anaconda runtime already has: one soname per line, `#`
// starts a comment. Used to tell which DT_NEEDED of a packed binary will resolve after unpacking.
import { readFile } from 'node:fs/promises';
import { ProductImgError } from './errors.js';
import { errnoOf } from '../errors.js';

export async function loadExpectLibs(path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ProductImgError('BAD_INPUT', path, `cannot read the library list (${errnoOf(err) ?? String(err)})`);
  }
  return parseExpectLibs(text);
}

export function parseExpectLibs(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => l !== ''),
  );
}
