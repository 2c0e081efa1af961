// A profile is a named, reusable assignment: what a host does next, minus the per-host details.
export type ProfileAction =
  | { action: 'kickstart'; template: string; params: Record<string, unknown> }
  /** `append` is an operator template over host, facts and params (rules/operator-template.ts). */
  | { action: 'kexec'; kernel: string; initrd: string; append: string }
  | { action: 'reboot' };

export type ProfileInput = ProfileAction & { name: string; description?: string };

export type Profile = ProfileInput & { created_at: string; updated_at: string };
