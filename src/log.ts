// Structured logs (pino): one line per request and one per host state change. Secrets never reach a
// log line: tokens are not logged at all, and the redaction below is a second fence, not the first.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from './config.js';

export type { Logger };

/** `pretty` (KICKSTAND_LOG_FORMAT) formats in this process, as a stream rather than a worker-thread
 *  transport: pino redacts while it serialises, before any stream sees the line, so a pretty line is
 *  redacted exactly as a JSON one is (test/metrics/log-format.test.ts), and a line is never lost in a
 *  worker when the service exits. It costs more per line than JSON: it is for a person at a terminal. */
export function createLogger(level: string, destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
  const out =
    format === 'pretty'
      ? pretty({
          destination: destination ?? 1,
          sync: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,service',
          // Colours on a terminal only: a pretty log piped to a file should not be full of escapes.
          ...(destination ? { colorize: false } : {}),
        })
      : (destination ?? pino.destination({ sync: false }));
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
    out,
  );
}
