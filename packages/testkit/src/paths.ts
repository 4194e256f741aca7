import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest ancestor holding both `turbo.json` and `infra/`. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'turbo.json')) && existsSync(path.join(dir, 'infra'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (turbo.json + infra/)');
    dir = parent;
  }
}
