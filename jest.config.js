// One jest run over every workspace, so the shared infrastructure is resolved once (see
// packages/testkit/src/jest-global-setup.ts) and suites isolate themselves by database and topic prefix.
const fs = require('node:fs');
const path = require('node:path');

const projects = ['packages', 'apps'].flatMap((group) => {
  const dir = path.join(__dirname, group);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => path.join(dir, name, 'jest.config.js'))
    .filter((file) => fs.existsSync(file));
});

module.exports = {
  projects,
  // Project configs cannot set the timeout in a multi-project run; integration tests need more than 5 s.
  testTimeout: 30_000,
  globalSetup: '<rootDir>/packages/testkit/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/packages/testkit/src/jest-global-teardown.ts',
};
