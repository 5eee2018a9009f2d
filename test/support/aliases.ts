import * as path from 'node:path';
import { register } from 'tsconfig-paths';

// Jest's globalSetup runs outside its module mapper: give it tsconfig.json's aliases (the one source of truth).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compilerOptions } = require('../../tsconfig.json') as {
  compilerOptions: { paths: Record<string, string[]> };
};
register({ baseUrl: path.resolve(__dirname, '..', '..'), paths: compilerOptions.paths });
