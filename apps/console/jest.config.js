// The shared preset (jest.preset.js is CommonJS; this package is an ES module). The browser tests give
// themselves a minute each (a project's testTimeout does not apply in the repository's one jest run).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export default require('../../jest.preset.js')(import.meta.dirname);
