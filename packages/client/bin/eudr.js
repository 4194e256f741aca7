#!/usr/bin/env node
// The `eudr` command. A committed file, so that npm links the bin at install time, before the build.
try {
  require.resolve('../dist/cli/main.js');
} catch {
  process.stderr.write('eudr: @eudr/client is not built: run `npm run build` first\n');
  process.exit(4);
}
require('../dist/cli/main.js');
