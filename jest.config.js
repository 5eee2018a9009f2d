// Path aliases come from tsconfig.json, the one source of truth (the worker's bundler reads it too).
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // Types are checked once by `npm run typecheck`; here files are only transpiled. jose 6 is published as ES modules
  // only: Node loads it through require(esm), jest's module runtime does not, so jest transpiles it to CommonJS.
  transform: {
    '^.+\\.ts$': 'ts-jest',
    '/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120_000,
  // `npm test` runs unit + integration in two lanes (`--shard`) beside the fault lane, split by the files' times.
  testSequencer: '<rootDir>/test/support/balanced-sequencer.js',
  reporters: ['default', '<rootDir>/test/support/timing-reporter.js'],
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/{integration,workflows,e2e,replay}/**/*.spec.ts'],
      // One real stack (embedded PostgreSQL, Temporal dev server, SMTP capture) for the whole run.
      setupFiles: ['<rootDir>/test/support/quiet-temporal.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // The fault suite starts a stack of its own (it stops and restarts every part), in a child process.
    { ...shared, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.spec.ts'] },
    // Every bench in its bounded form, each on a stack of its own: beside the test stack, after the fault suite.
    { ...shared, displayName: 'benches', testMatch: ['<rootDir>/test/benches/**/*.spec.ts'] },
  ],
};
