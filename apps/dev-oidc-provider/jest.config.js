// The shared preset (jest.preset.js is CommonJS; this package is an ES module, whose relative imports end
// in .js as Node needs: jest maps them back to the .ts sources).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const preset = require('../../jest.preset.js')(import.meta.dirname);
export default { ...preset, moduleNameMapper: { ...preset.moduleNameMapper, '^(\\.{1,2}/.*)\\.js$': '$1' } };
