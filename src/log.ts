// Structured logs (pino): one line per request and one per host state change. Secrets never reach a
// log line: tokens are not logged at all, and the redaction below is a second fence, not the first.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kickstand' },
      redact: {
        // Params are never logged (they may hold secrets, secrets/secret-params.ts); a line that ever
        // carries them, an assignment's included, gets "[redacted]" in their place.
        paths: [
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'password',
          '*.password',
          'root_password',
          '*.root_password',
          'params',
          '*.params',
          '*.*.params',
          'boot_key',
          '*.boot_key',
          'headers["x-kickstand-boot-key"]',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
