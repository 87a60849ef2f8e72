// Connector instances (SALESINSIGHTS_INSTANCE_ID, by default derived from host and inbox path):
// two `connect` processes on two inboxes of one namespace each ingest their own files exactly once,
// without fencing each other; one killed with -9 inside a file resumes it after its committed
// lines; a second live process under one instance id is refused; and a ledger entry written
// before instances existed is resumed by the connector of a single-instance setup.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchemaRegistry } from '../../core/avro.ts';
import type { ShopEvent, RejectedRow } from '../../core/event.ts';
import { createKafka, fetchEndOffsets } from '../../core/kafka.ts';
import { instancesGroup } from '../../core/instances.ts';
import { logger } from '../../core/logger.ts';
import { topics } from '../../core/topics.ts';
import { Connector } from '../../ingest/index.ts';
import { ledgerTopic } from '../../ingest/ledger.ts';
import { ensureTopics } from '../../ingest/topics.ts';
import { CSV_HEADER, generate } from '../../ingest/tools/generate.ts';
import { EventDecoder } from '../../stream/event-decoder.ts';
import { runCli, spawnCli, stopCli, cliEnv, type CliProcess } from '../cli-process.ts';
import { isolatedConfig, readTopic, tempDir, until } from '../helpers.ts';

const config = isolatedConfig('conninst');
const kafka = createKafka(config, 'connector-instances-test');
const t = topics(config.namespace);
const running: CliProcess[] = [];
// One basename for both: the inbox's name alone does not tell two instances apart.
const inboxA = join(config.home, 'a', 'inbox');
const inboxB = join(config.home, 'b', 'inbox');
let smallA: string[];
let smallB: string[];
let large: string;

afterAll(async () => {
  for (const run of running) await stopCli(run, 'SIGKILL');
});

beforeAll(async () => {
  for (const inbox of [inboxA, inboxB]) mkdirSync(inbox, { recursive: true });
  smallA = await generate({ days: 2, rowsPerDay: 400, out: tempDir('conninst-a'), seed: 1, startDay: '2019-10-01' });
  smallB = await generate({ days: 2, rowsPerDay: 400, out: tempDir('conninst-b'), seed: 2, startDay: '2019-11-01' });
  large = (await generate({ days: 1, rowsPerDay: 150_000, out: tempDir('conninst-large'), seed: 3, startDay: '2019-12-01' }))[0]!;
}, 120_000);

function connect(inbox: string, name: string, env: Record<string, string> = {}): CliProcess {
  const run = spawnCli(config, ['connect', '--inbox', inbox], name, env);
  running.push(run);
  return run;
}

const done = (inbox: string, files: string[]) => () =>
  Promise.resolve(files.every((f) => existsSync(join(inbox, '.done', basename(f)))) ? true : undefined);

async function eventsEnd(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await fetchEndOffsets(admin, t.events)).reduce((n, p) => n + p.end, 0);
  } finally {
    await admin.disconnect();
  }
}

/** The data lines (2 .. n) of each file: the lines of a CSV file without its header. */
function dataLines(file: string): number[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
  return Array.from({ length: lines - 1 }, (_, i) => i + 2);
}

describe('connector instances', () => {
  it('two connect processes on two inboxes each ingest their own files exactly once; one killed inside a file resumes it', async () => {
    const killed = connect(inboxA, 'connect-a');
    const b = connect(inboxB, 'connect-b');
    for (const f of smallA) copyFileSync(f, join(inboxA, basename(f)));
    for (const f of smallB) copyFileSync(f, join(inboxB, basename(f)));
    await until('the small files of both inboxes ingested', async () => (await done(inboxA, smallA)()) && (await done(inboxB, smallB)()), 120_000);

    // Killed once a transaction of the large file is committed (the next one's records are out).
    const before = await eventsEnd();
    copyFileSync(large, join(inboxA, basename(large)));
    await until('the large file partly committed', async () => ((await eventsEnd()) > before + 10_001 ? true : undefined), 120_000, 20);
    expect(await stopCli(killed, 'SIGKILL')).toBeNull();
    expect(existsSync(join(inboxA, '.done', basename(large)))).toBe(false);

    const a = connect(inboxA, 'connect-a-again');
    await until('the large file ingested after the restart', done(inboxA, [large]), 120_000);
    const resumed = readFileSync(a.log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('resuming a file after its committed lines'))
      .map((l) => JSON.parse(l) as { file: string; resumeAfter: number });
    expect(resumed).toEqual([expect.objectContaining({ file: basename(large) })]);
    expect(resumed[0]!.resumeAfter).toBeGreaterThan(5_000);

    expect(await stopCli(a)).toBe(0);
    expect(await stopCli(b)).toBe(0);
    // Each instance has its own transactional id: neither was fenced by the other.
    for (const run of [killed, a, b]) expect(readFileSync(run.log, 'utf8')).not.toMatch(/epoch|fenced/i);

    const files = [...smallA, ...smallB, large];
    const expected = files.reduce((n, f) => n + dataLines(f).length, 0);
    const records = (await readTopic(kafka, t.events, expected)).map((m) => m.value);
    const decoder = new EventDecoder(createSchemaRegistry(config.schemaRegistryUrl));
    await decoder.prepare(records);
    const events = records.map((r) => decoder.decode(r) as ShopEvent);
    const rejected = (await readTopic(kafka, t.rejected, 0)).map((m) => JSON.parse(m.value!.toString()) as RejectedRow);
    for (const f of files) {
      const lines = [...events, ...rejected].filter((e) => e.source_file === basename(f)).map((e) => e.source_line);
      expect(lines.sort((x, y) => x - y), basename(f)).toEqual(dataLines(f));
    }
    expect(events.length + rejected.length).toBe(expected);
  }, 420_000);

  it('a second connect under the instance id of a running one is refused, naming the id and the first process', async () => {
    const id = `twin-${config.namespace.slice(-8)}`;
    const first = connect(tempDir('twin-first'), 'twin-first', { SALESINSIGHTS_INSTANCE_ID: id });
    const admin = kafka.admin();
    await admin.connect();
    await until(
      'the first connect in its instances group',
      async () => ((await admin.describeGroups([instancesGroup(config.namespace)])).groups[0]?.members.some((m) => m.clientId.endsWith(`;id=${id}`)) ? true : undefined),
      90_000,
    ).finally(() => admin.disconnect());

    const second = await runCli(['connect', '--inbox', tempDir('twin-second'), '--once'], cliEnv(config, { LOG_LEVEL: 'error', SALESINSIGHTS_INSTANCE_ID: id }), 120_000);
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr.trim()).toMatch(new RegExp(`^configuration error: SALESINSIGHTS_INSTANCE_ID: "${id}" is in use by \`salesinsights connect\` \\(pid ${first.child.pid} on `));
    expect(await stopCli(first)).toBe(0);
  }, 240_000);

  it('a ledger entry written before instances existed (keyed by its hash alone) is resumed by the default instance', async () => {
    const c = { ...config, namespace: `${config.namespace}_legacy` };
    const k = createKafka(c, 'connector-instances-legacy');
    await ensureTopics(k, c.namespace);
    const text = `${CSV_HEADER}\n${['1', '2', '3', '4', '5'].map((n) => `2019-10-01 10:00:0${n} UTC,view,${n},1,,b,1.00,90${n},s-${n}`).join('\n')}\n`;
    const hash = createHash('sha256').update(text).digest('hex');
    // What a connector of the previous build left after committing lines 2 .. 4 of the file.
    const producer = k.producer();
    await producer.connect();
    const entry = { hash, name: 'orders.csv', fileId: hash.slice(0, 16), size: Buffer.byteLength(text), lastLine: 4, done: false, rows: 3, rejected: 0, updatedAt: 1 };
    await producer.send({ topic: ledgerTopic(c.namespace), messages: [{ key: hash, value: JSON.stringify(entry) }] });
    await producer.disconnect();

    const inbox = tempDir('conninst-legacy');
    writeFileSync(join(inbox, 'orders.csv'), text);
    const connector = new Connector(c, logger, { inbox });
    await connector.open();
    try {
      expect(await connector.takeFile(join(inbox, 'orders.csv'))).toMatchObject({ status: 'ingested', rows: 5, resumedAfterLine: 4 });
    } finally {
      await connector.close();
    }
    const records = (await readTopic(k, topics(c.namespace).events, 2)).map((m) => m.value);
    const decoder = new EventDecoder(createSchemaRegistry(c.schemaRegistryUrl));
    await decoder.prepare(records);
    expect(records.map((r) => (decoder.decode(r) as ShopEvent).source_line).sort()).toEqual([5, 6]);
  }, 120_000);
});
