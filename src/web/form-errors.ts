// How a web form shows an error: next to its field when the user caused it; anything else (a bug,
// a missing host) goes to the error page.
import { AppError } from '../errors.js';

export function isFormError(err: unknown): err is AppError {
  return err instanceof AppError && err.status < 500;
}

/** The form field to show `err` next to, or "other" (shown above the submit button). */
export function fieldOf(err: AppError, fields: string[]): string {
  return fields.includes(err.field ?? '') ? err.field! : 'other';
}
