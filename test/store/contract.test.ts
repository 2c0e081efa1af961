// Every repository's contract, run against every Store implementation: the in-memory store the unit
// tests use and the file store the service runs on (in a temp dir, with its durability checked by a
// second store opened on the same dir), and the PostgreSQL store.
import { LowdbStore } from '../../src/store/file/lowdb-store.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../support/temp.js';
import { testDatabase } from '../support/postgres.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { describeAuditRepository } from './contract/audit.contract.js';
import type { OpenStore } from './contract/harness.js';
import { describeHostRepository } from './contract/hosts.contract.js';
import { describeInstallerRepository } from './contract/installers.contract.js';
import { describeProfileRepository } from './contract/profiles.contract.js';
import { describeRuleRepository } from './contract/rules.contract.js';
import { describeSettingsRepository } from './contract/settings.contract.js';
import { describeTemplateHistoryRepository } from './contract/templates.contract.js';
import { describeUserRepository } from './contract/users.contract.js';
import { describeWebhookRepository } from './contract/webhooks.contract.js';
import { describeBmcCredentialRepository } from './contract/bmc-credentials.contract.js';
import { describeExpectedHostRepository } from './contract/expected-hosts.contract.js';
import { describeTagDefinitionRepository } from './contract/tag-definitions.contract.js';

const memory: OpenStore = async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
};

const file: OpenStore = async () => {
  const dir = await tempDir('kickstand-contract-');
  const open: Store[] = [await LowdbStore.open(dir)];
  return {
    store: open[0]!,
    readBeside: async () => {
      const beside = await LowdbStore.open(dir);
      open.push(beside);
      return beside;
    },
    cleanup: async () => {
      for (const s of open.reverse()) await s.close();
    },
  };
};

// PostgreSQL: a database of its own per test, in the run's throwaway cluster; `readBeside` is a second
// instance on the same database.
const postgres: OpenStore = async () => {
  const url = await testDatabase();
  const open: Store[] = [await PgStore.open(url)];
  return {
    store: open[0]!,
    readBeside: async () => {
      const beside = await PgStore.open(url);
      open.push(beside);
      return beside;
    },
    cleanup: async () => {
      for (const s of open.reverse()) await s.close();
    },
  };
};

for (const [name, open, durable] of [
  ['memory', memory, false],
  ['file', file, true],
  ['postgres', postgres, true],
] as const) {
  describeHostRepository(name, open, durable);
  describeProfileRepository(name, open, durable);
  describeRuleRepository(name, open, durable);
  describeSettingsRepository(name, open, durable);
  describeUserRepository(name, open, durable);
  describeInstallerRepository(name, open, durable);
  describeWebhookRepository(name, open, durable);
  describeBmcCredentialRepository(name, open, durable);
  describeExpectedHostRepository(name, open, durable);
  describeTagDefinitionRepository(name, open, durable);
  describeAuditRepository(name, open, durable);
  describeTemplateHistoryRepository(name, open, durable);
}
