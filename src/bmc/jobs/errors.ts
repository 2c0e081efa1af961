// A BMC failure as the API and the timeline say it: each BmcError kind has its own code (errors.ts)
// and keeps the driver's clear message ("wrong user or password"), never a status number alone.
import { AppError, errors } from '../../errors.js';
import { BmcError, type BmcErrorKind } from '../driver.js';

const CODES = {
  unreachable: 'BMC_UNREACHABLE',
  auth: 'BMC_AUTH',
  timeout: 'BMC_TIMEOUT',
  refused: 'BMC_REFUSED',
  protocol: 'BMC_PROTOCOL',
} as const satisfies Record<BmcErrorKind, string>;

/** An AppError for anything a job threw: BmcError → BMC_*, AppError as is, anything else INTERNAL
 *  with no detail (a bug or a store fault: logged by the queue, never shown). */
export function appErrorOf(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof BmcError) return new AppError(CODES[err.kind], err.message);
  return errors.internal();
}
