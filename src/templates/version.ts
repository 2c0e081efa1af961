// One saved state of a template file. Every save and every rollback appends one; nothing is ever
// rewritten, so the history is the audit of what ran when.
export interface TemplateVersion {
  /** Template name: its path below the templates folder (e.g. "snippets/network.njk"). */
  name: string;
  /** 1, 2, 3… per template. */
  version: number;
  content: string;
  /** sha256 of the content (hex): lets a reader tell two versions are the same bytes. */
  sha256: string;
  /** User who saved it; "disk" for the file as found before its first save through Kickstand. */
  author: string;
  at: string;
  /** save · rollback · import (the file as it was on disk before the first save) · create */
  action: 'save' | 'rollback' | 'import' | 'create';
  message?: string;
  /** For a rollback: the version whose content it restored. */
  restored?: number;
}

export const MAX_TEMPLATE_BYTES = 256 * 1024;
