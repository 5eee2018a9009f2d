// Path aliases come from tsconfig.json, the one source of truth (the worker's bundler reads it too).
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

/** Dependencies published as ES modules only that the code under test loads. */
// The Fastify adapter's: path-to-regexp 9 (@fastify/middie), cookie 2 (light-my-request), content-disposition 3
// (@fastify/static); their older majors elsewhere in the tree are CommonJS, which Babel leaves as it is.
const esmOnly = ['jose', '@nestjs', 'path-to-regexp', 'cookie', 'content-disposition'];

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // Types are checked once by `npm run typecheck`; here files are only transpiled. jose 6 and the @nestjs packages
  // (12) are published as ES modules only: Node loads them through require(esm), jest's module runtime does not, so jest
  // turns them into CommonJS with Babel, whose import-meta plugin also rewrites the `import.meta.url` and
  // `import.meta.resolve` that @nestjs uses (ts-jest would leave those as they are, a syntax error in CommonJS).
  transform: {
    '^.+\\.ts$': 'ts-jest',
    [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: [
      'babel-jest',
      {
        babelrc: false,
        configFile: false,
        plugins: [
          ['babel-plugin-transform-import-meta', { module: 'ES6' }],
          '@babel/plugin-transform-dynamic-import',
          '@babel/plugin-transform-modules-commonjs',
        ],
      },
    ],
  },
  // Judged by the innermost node_modules folder, so that a package nested under another one (middie's
  // path-to-regexp) is transformed too.
  transformIgnorePatterns: [`/node_modules/(?!.*/node_modules/)(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  moduleFileExtensions: ['ts', 'js', 'json'],
  // What jest's isolation of test files misses in a lane of many files in one process (see the file).
  setupFiles: ['<rootDir>/test/support/file-isolation.ts'],
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
      // Node's, and a failing test's error says what its browser tabs showed (see the file).
      testEnvironment: '<rootDir>/test/support/test-environment.js',
      // One real stack (embedded PostgreSQL, Temporal dev server, SMTP capture) for the whole run.
      setupFiles: [...shared.setupFiles, '<rootDir>/test/support/quiet-temporal.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // The fault suite starts a stack of its own (it stops and restarts every part), in a child process.
    { ...shared, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.spec.ts'] },
    // Every bench in its bounded form, each on a stack of its own, in a lane of its own (`npm run test:benches`).
    { ...shared, displayName: 'benches', testMatch: ['<rootDir>/test/benches/**/*.spec.ts'] },
  ],
};
