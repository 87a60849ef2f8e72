// The import rule (docs/architecture.md, "Layering"): cli/ → dashboard/ → {ingest/, stream/,
// aggregates/} → core/, checked on resolved paths, for static, dynamic and type-only imports in
// .ts, .mjs and .js files, tests included. `npm run lint` runs it; test/import-rule.test.ts shows
// it failing on each kind of violation.
const FOLDERS = ['core', 'ingest', 'stream', 'aggregates', 'dashboard', 'cli', 'bin'];
const TESTS = '^test/|\\.test\\.ts$';
const DOC = '(docs/architecture.md, "Layering")';

/** `folder`'s code, and the tests beside it, import none of our folders but `allowed` (and test/ from those tests). */
function importsOnly(name, folder, allowed, why) {
  const refused = FOLDERS.filter((f) => f !== folder && !allowed.includes(f));
  const may = allowed.length ? `may import ${allowed.map((f) => `${f}/`).join(', ')} only` : 'imports no other folder';
  return {
    name,
    severity: 'error',
    comment: `${folder}/ ${may}: ${why} ${DOC}`,
    from: { path: `^${folder}/` },
    // Node's own modules (`stream/promises`) are no folder of ours.
    to: { path: `^(${refused.join('|')})/`, dependencyTypesNot: ['core'] },
  };
}

const APART = 'ingest/, stream/ and aggregates/ never import each other; what two of them share is in core/, and cli/ wires them together';

export default {
  forbidden: [
    importsOnly('core-imports-no-component', 'core', [], 'every component builds on it'),
    importsOnly('ingest-imports-core-only', 'ingest', ['core'], APART),
    importsOnly('stream-imports-core-only', 'stream', ['core'], APART),
    importsOnly('aggregates-imports-core-only', 'aggregates', ['core'], APART),
    importsOnly('dashboard-imports-components-only', 'dashboard', ['ingest', 'stream', 'aggregates', 'core'], 'cli/ starts it'),
    importsOnly('bin-imports-cli-only', 'bin', ['cli'], 'the executables start the command line, which composes everything'),
    {
      name: 'code-imports-no-test',
      severity: 'error',
      comment: `Only tests (test/, *.test.ts) import test/: its helpers are no part of the product ${DOC}`,
      from: { pathNot: TESTS },
      to: { path: '^test/' },
    },
    {
      name: 'tests-import-cli-api-only',
      severity: 'error',
      comment: `Tests outside cli/ may import from cli/ only its command and service API (cli/commands/*.ts, cli/runtime.ts, cli/services/*.ts); a helper they share with cli/ belongs in the component it is about ${DOC}`,
      from: { path: TESTS, pathNot: '^cli/' },
      to: { path: '^cli/', pathNot: '^cli/(commands/[^/]+|runtime|services/[^/]+)\\.ts$' },
    },
    {
      name: 'no-import-circle',
      severity: 'error',
      comment: `No module imports itself through others: a circle is one concept split in two, or a missing module below both ${DOC}`,
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    exclude: { path: '^(node_modules|dist|scratch|dashboard/public/vendor)/' },
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type is a dependency too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
