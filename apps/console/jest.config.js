// The shared preset (jest.preset.js is CommonJS; this package is an ES module). The browser tests run
// against a whole stack, so they get minutes rather than the preset's seconds.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export default { ...require('../../jest.preset.js')(import.meta.dirname), testTimeout: 120_000 };
