import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'scratch/**', 'dashboard/public/vendor/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', NodeJS: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...layering(),
);

/**
 * Imports point one way: cli -> dashboard -> stream, ingest -> aggregates -> core. Each folder
 * may import only the folders below it (and test helpers in its tests); see README, "Architecture".
 */
function layering() {
  const below = {
    core: [],
    aggregates: ['core'],
    ingest: ['aggregates', 'core'],
    stream: ['aggregates', 'core'],
    dashboard: ['stream', 'ingest', 'aggregates', 'core'],
  };
  const folders = ['cli', 'dashboard', 'stream', 'ingest', 'aggregates', 'core'];
  return Object.entries(below).map(([folder, allowed]) => {
    const refused = folders.filter((f) => f !== folder && !allowed.includes(f));
    return {
      files: [`${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `^(\\.\\./)+(${refused.join('|')})/`,
                message: `${folder}/ may import only ${allowed.length ? allowed.map((f) => `${f}/`).join(', ') : 'no other component'}: imports point from cli/ down to core/ (README, "Architecture").`,
              },
            ],
          },
        ],
      },
    };
  });
}
