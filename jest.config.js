// One jest run over every workspace, so the shared infrastructure is started once (see scripts/test.mjs).
module.exports = {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/apps/*/jest.config.js'],
};
