// The shared preset (jest.preset.js is CommonJS; this package is an ES module).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export default require('../../jest.preset.js')(import.meta.dirname);
