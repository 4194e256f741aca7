/** Where the bar is drawn: a terminal (redrawn in place) or anything else (nothing drawn). */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

const WIDTH = 30;

/**
 * A one-line progress bar with records per second, redrawn at most ten times a second on a terminal
 * and silent elsewhere (logs and pipes get the summary only).
 */
export function createProgressBar(
  out: ProgressOutput,
  total: number,
  now: () => number = () => performance.now(),
) {
  const started = now();
  let drawnAt = -Infinity;
  let drawn = false;
  return {
    update(done: number): void {
      const t = now();
      if (out.isTTY !== true || (t - drawnAt < 100 && done < total)) return;
      drawnAt = t;
      drawn = true;
      const share = total === 0 ? 1 : done / total;
      const filled = Math.round(share * WIDTH);
      const rate = done / Math.max((t - started) / 1000, 0.001);
      out.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total} ${Math.floor(share * 100)}%  ${Math.round(rate)} records/s  `,
      );
    },
    finish(): void {
      if (drawn) out.write('\n');
    },
  };
}
