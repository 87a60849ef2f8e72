// Progress of one file: a bar in a terminal, a periodic log line otherwise.
import cliProgress from 'cli-progress';
import type { Logger } from '../core/logger.ts';
import { CONNECTOR_DEFAULTS } from './defaults.ts';

export interface Progress {
  update(bytesRead: number, rows: number): void;
  stop(): void;
}

export function fileProgress(logger: Logger, file: string, totalBytes: number): Progress {
  const started = Date.now();
  const rate = (rows: number) => Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000));
  if (process.stderr.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      { format: `${file} [{bar}] {percentage}% | {rows} rows | {rate} rows/s`, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(totalBytes, 0, { rows: 0, rate: 0 });
    return {
      update: (bytes, rows) => bar.update(bytes, { rows, rate: rate(rows) }),
      stop: () => bar.stop(),
    };
  }
  let last = started;
  return {
    update(bytes, rows) {
      const now = Date.now();
      if (now - last < CONNECTOR_DEFAULTS.progressEveryMs) return;
      last = now;
      const percent = totalBytes > 0 ? Math.round((100 * bytes) / totalBytes) : 100;
      logger.info({ file, rows, rowsPerSecond: rate(rows), percent }, 'ingest progress');
    },
    stop: () => undefined,
  };
}
