// Where Kickstand keeps hosts. One interface, one lowdb implementation (lowdb-store.ts), and fakes for
// tests. Reads see every save at once; a save's promise resolves only once it is on disk, which is
// what lets a registration be acknowledged only when it is durable.
import type { Facts } from '../discovery/facts.js';
import type { Host } from '../hosts/host.js';

export interface Identity {
  boot_mac: string;
  macs: string[];
  uuid?: string;
}

export interface Store {
  /** The host with this id. Returned objects are the store's own: treat them as read-only. */
  getHost(id: string): Promise<Host | undefined>;
  /** The host that booted from this MAC. */
  findByBootMac(mac: string): Promise<Host | undefined>;
  /** The host with this (real, normalised) DMI system UUID. */
  findByUuid(uuid: string): Promise<Host | undefined>;
  /** The host that holds this hostname (case-insensitive). */
  findByHostname(hostname: string): Promise<Host | undefined>;
  /** Every host, most recently seen first. */
  listHosts(): Promise<Host[]>;
  /** Replace the host (and its facts, when given): visible to reads at once, resolves once durable. */
  saveHost(host: Host, facts?: Facts): Promise<void>;
  /** Record a change that may be lost in a crash (last-seen time and IP); written with the next save. */
  touchHost(host: Host): void;
  /** Remove the host and its facts; resolves once durable. False if there was no such host. */
  deleteHost(id: string): Promise<boolean>;
  /** The full facts of a host, read from beside the hot document. */
  getFacts(id: string): Promise<Facts | undefined>;
  /** Flush what is pending and release files. */
  close(): Promise<void>;
}
