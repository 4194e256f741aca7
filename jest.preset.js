// Shared jest settings: TypeScript runs directly through SWC (type checking is `npm run typecheck`),
// and workspace packages resolve to their sources so tests never need a prior build.
const path = require('node:path');

/** @param {string} dir the package directory */
module.exports = function preset(dir) {
  const name = path.basename(dir);
  return {
    displayName: name,
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
      ],
    },
    moduleNameMapper: {
      '^@eudr/([a-z-]+)$': path.join(__dirname, 'packages/$1/src/index.ts'),
    },
    testTimeout: 30_000,
  };
};
