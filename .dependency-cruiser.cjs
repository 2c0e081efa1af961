// The rooms of src/ and what each may import (docs/architecture.md, "Rooms"). `npm run lint` runs
// `depcruise src`; a violation names the file and the rule. Data flows one way: HTTP → use case →
// store, so the rules below keep the arrows from pointing back.
const ENTRY = '^src/(http|web|app|server|main|cli)(/|\\.ts$)';
const USE_CASES = '^src/(discovery|hosts|rules|profiles|templates|auth|audit|installers|boot)/';
const RENDERER = '^src/kickstart/';
// The files that define an entity (its type, defaults, caps): readable by every room.
const ENTITIES =
  '^src/(hosts/host|profiles/profile|rules/rule|auth/user|auth/session|audit/entry|templates/version|installers/installer|discovery/facts)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'use-cases-do-not-know-http',
      comment: 'A use case never reads req or writes res: it takes a Caller and returns data (STYLE.md).',
      severity: 'error',
      from: { path: `${USE_CASES}|${RENDERER}|^src/(store|secrets|schemas)/` },
      to: { path: `${ENTRY}|^node_modules/express/` },
    },
    {
      name: 'entry-points-do-not-open-the-store',
      comment: 'Routes and pages reach data through use cases and the repositories in Deps, never a store implementation.',
      severity: 'error',
      from: { path: '^src/(http|web)/' },
      to: { path: '^src/store/(?!store\\.ts$)' },
    },
    {
      name: 'memory-store-is-for-tests',
      comment: 'The in-memory store (store/memory/) is for unit tests: the service runs on the file store or PostgreSQL.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/memory/' },
      to: { path: '^src/store/memory/' },
    },
    {
      name: 'sql-stays-in-the-store',
      comment:
        'Only store/postgres/ speaks to PostgreSQL: everything else goes through the repositories, so the file store stays a drop-in.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/store/postgres/' },
      to: { path: '^node_modules/pg/' },
    },
    {
      name: 'store-knows-no-use-case',
      comment: 'The store keeps records: it may read the entity modules (types, defaults, the audit caps), never a use case.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: `${USE_CASES}|${RENDERER}`, pathNot: ENTITIES, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-is-a-leaf',
      comment: 'The renderer makes kickstarts from what it is handed; it decides nothing about hosts or rules.',
      severity: 'error',
      from: { path: RENDERER },
      to: { path: USE_CASES, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'product-img-stands-alone',
      comment: 'The overlay builder runs from the CLI without the service: it imports nothing of the service.',
      severity: 'error',
      from: { path: '^src/product-img/' },
      to: { path: '^src/(?!product-img/|errors\\.ts$|util/)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
