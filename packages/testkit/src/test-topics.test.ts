import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finishedRunFiles } from './test-topics';

describe('finishedRunFiles', () => {
  it('names the records of this run and of runs whose process is gone, not those of runs still going', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'test-runs-'));
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      for (const name of [
        `${process.pid}.topics`,
        `${deadPid}.topics`,
        `${running.pid}.topics`,
        'notes.txt',
      ]) {
        writeFileSync(path.join(dir, name), 't.suite.1234abcd.\n');
      }
      expect(finishedRunFiles(dir).sort()).toEqual(
        [`${process.pid}.topics`, `${deadPid}.topics`].map((name) => path.join(dir, name)).sort(),
      );
    } finally {
      running.kill();
    }
  });

  it('finds nothing where no run has recorded anything', () => {
    expect(finishedRunFiles(path.join(tmpdir(), 'no-such-dir-7f3a'))).toEqual([]);
  });
});
