// A backlog of small files drained by the watching connector, as `start` runs it (connector
// thread, inbox watcher, quiet period and held-open check): N one-row files left in the inbox
// while the connector was down, then timed from watch() to the last file moved to .done/.
//   npx tsx cli/bench/backlog.ts [files]    (default 10000; local services up)
// Prints files/s and the mean time a file's own ingest took (hash, parse, one Kafka transaction),
// the cost the drain rate is to be compared with. The namespace is removed at the end.
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../core/config.ts';
import { logger } from '../../core/logger.ts';
import { ConnectorThread } from '../../ingest/connector-thread.ts';
import { CSV_HEADER } from '../../ingest/tools/generate.ts';
import { reset } from '../commands/reset.ts';
import { servicesUp } from '../services/index.ts';

export interface BacklogResult {
  files: number;
  seconds: number;
  filesPerSecond: number;
  /** Mean of the connector's own time per file (FileResult.elapsedMs). */
  ingestMsPerFile: number;
}

/** `files` one-row files named in lexical order of their row, modified a minute ago. */
async function leaveBacklog(inbox: string, files: number): Promise<void> {
  await mkdir(inbox, { recursive: true });
  const past = new Date(Date.now() - 60_000);
  const width = String(files).length;
  for (let i = 1; i <= files; i++) {
    const path = join(inbox, `backlog-${String(i).padStart(width, '0')}.csv`);
    await writeFile(path, `${CSV_HEADER}\n2020-01-01 00:00:00 UTC,view,${i},1,,,1.00,${i},s${i}\n`);
    await utimes(path, past, past);
  }
}

export async function measureBacklog(config: Config, files: number): Promise<BacklogResult> {
  const inbox = join(config.home, 'inbox');
  await leaveBacklog(inbox, files);
  const connector = new ConnectorThread(config, { inbox });
  try {
    await connector.open();
    const started = Date.now();
    await connector.watch();
    await connector.whenIdle();
    const ms = Date.now() - started;
    const taken = connector.results.length;
    if (taken !== files) throw new Error(`backlog: ${taken} of ${files} files ingested`);
    return {
      files,
      seconds: Math.round(ms / 100) / 10,
      filesPerSecond: Math.round((files * 10_000) / ms) / 10,
      ingestMsPerFile: Math.round((connector.results.reduce((n, r) => n + r.elapsedMs, 0) / files) * 10) / 10,
    };
  } finally {
    await connector.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = Number(process.argv[2] ?? 10_000);
  if (!Number.isInteger(files) || files <= 0) {
    console.error('usage: npx tsx cli/bench/backlog.ts [files]');
    process.exit(2);
  }
  const config = loadConfig({
    ...process.env,
    SALESINSIGHTS_HOME: mkdtempSync(join(tmpdir(), 'bench-backlog-')),
    SALESINSIGHTS_NAMESPACE: `bench_backlog_${Date.now().toString(36)}`,
  });
  await servicesUp(config);
  try {
    console.log(JSON.stringify(await measureBacklog(config, files)));
  } finally {
    await reset(config, logger);
  }
  process.exit(0);
}
