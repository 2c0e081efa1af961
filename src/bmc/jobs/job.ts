// A BMC job as the queue keeps it and GET /api/v1/bmc/jobs shows it: what was asked of which host's
// BMC, where it stands, and each step's outcome. Kept in memory only (the newest jobs): a job is a
// few seconds of work whose lasting record is the host's timeline and the audit trail.
import type { ErrorCode } from '../../errors.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobStep {
  /** "power cycle", "boot device pxe (once)", "reset"… */
  name: string;
  outcome: 'succeeded' | 'failed';
  /** What it did ("power is on"), or the error's clear message. */
  message: string;
  /** On a failed step: BMC_UNREACHABLE, BMC_AUTH, BMC_TIMEOUT… */
  code?: ErrorCode;
  at: string;
}

export interface JobError {
  code: ErrorCode;
  message: string;
  /** The step it stopped at (compound actions). */
  step?: string;
}

export interface BmcJob {
  id: string;
  host: string;
  /** power-on, power-cycle, boot-device, status, bmc-test, rediscover, reinstall, refresh. */
  action: string;
  status: JobStatus;
  /** Who asked ("kickstand" for the background refresh). */
  actor: string;
  /** Retries the queue made (an unreachable BMC, a timeout). */
  attempts: number;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  steps: JobStep[];
  /** What a successful job answered (the power state, the BMC's identity). */
  result?: unknown;
  error?: JobError;
}
