// ESLint: typescript-eslint's strict type-checked rules over everything tsconfig.json compiles (src,
// test, bench, vitest.config.ts). Every rule turned off or tuned here says why; a disable comment in
// the code says why too (STYLE.md: "a disable comment says why").
// ESLint's own `recommended` comes first; typescript-eslint's configs then switch off the core rules
// the compiler already covers.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Plain JavaScript stays out: the browser scripts (src/web/static) and the bench workers (bench/*.mjs)
  // are not in the TypeScript project, so the type-checked rules cannot read them; Prettier formats them.
  // Generated code (tools/kickstart_grammar.py writes it) is fixed in its generator, not here.
  { ignores: ['dist/**', 'coverage/**', 'data/**', '**/*.js', '**/*.mjs', '**/*.cjs', '**/*.generated.ts'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Kickstand refuses control characters in names, facts and rendered lines on purpose: those
      // regexes match them by design.
      'no-control-regex': 'off',
      // Numbers and booleans print the same in every template literal; the rule's point is objects
      // ("[object Object]"), nullish and unions that hide them, which stay errors.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // With noUncheckedIndexedAccess every `xs[i]` is `T | undefined`, also right after a bounds check
      // or a regex match that guarantees the group. `xs[i]!` there states the invariant where it holds;
      // the alternatives (`?? ''`, a throw that cannot happen) hide it or add dead branches.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `(x) => res.send(x)` and `() => void …` arrow shorthands are the house style for callbacks; the
      // rule still catches a void call used as a value anywhere else.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // A leading underscore marks a deliberate omission: `const { hash: _hash, ...view } = user` drops a
      // field, `(err, req, res, _next)` keeps Express's four-argument error-handler signature.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // An async function without `await` is how a synchronous implementation meets an async interface
      // (the Store's methods, fakes in tests); being async it turns a throw into a rejection, which the
      // callers rely on. Forgotten awaits are caught by no-floating-promises and no-misused-promises.
      '@typescript-eslint/require-await': 'off',
      // The stores keep records as plain objects keyed by name (lowdb's JSON document) and the config
      // reads an environment object: deleting a computed key is how an entry goes. A Map would not
      // serialize.
      '@typescript-eslint/no-dynamic-delete': 'off',
      // stylistic: `||` on strings is deliberate where '' means "not given" (an empty environment
      // variable, an empty form field, an empty separator): `??` would keep the ''.
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
      // stylistic: `!host || host.state !== 'assigned'` says that a missing host fails the guard;
      // `host?.state !== 'assigned'` means the same but is easy to misread as the opposite.
      '@typescript-eslint/prefer-optional-chain': 'off',
      // stylistic: `() => {}` is the idiom for "ignore this" (a best-effort cleanup's rejection, a
      // stream error reported elsewhere); `function* () {}` is only there for its prototype.
      '@typescript-eslint/no-empty-function': ['error', { allow: ['arrowFunctions', 'generatorFunctions'] }],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      // Tests and benchmarks read the API's JSON (supertest's `res.body`, JSON.parse) as `any` on
      // purpose: the expect() that follows is the type check. Typing every response would double the
      // schemas in src/schemas without catching anything the assertions do not.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Tests check that values the types promise are really there (a broken service breaks the promise);
      // `res.body?.x` and `?? fallback` on a typed value are the point of a test, not dead code.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
);
