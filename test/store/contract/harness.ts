// What a contract suite is handed: a way to open a fresh store of one implementation. `readBeside`,
// when the implementation keeps data outside the process, opens a second store on the same data
// without closing the first: what it reads was durable when the first store's promise resolved.
import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../../../src/store/store.js';

export interface OpenedStore {
  store: Store;
  readBeside?: () => Promise<Store>;
  cleanup(): Promise<void>;
}

export type OpenStore = () => Promise<OpenedStore>;

/** A fresh store for each test of the calling describe block, cleaned up after it. */
export function freshStore(open: OpenStore): () => OpenedStore {
  let opened: OpenedStore | undefined;
  beforeEach(async () => {
    opened = await open();
  });
  afterEach(async () => {
    await opened?.cleanup();
    opened = undefined;
  });
  return () => {
    if (!opened) throw new Error('no store open outside a test');
    return opened;
  };
}

export const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
