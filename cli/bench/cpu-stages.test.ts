import { describe, expect, it } from 'vitest';
import { stageOf, stageTimes, threadOf, type CpuProfile } from './cpu-stages.ts';

const KAFKAJS = 'file:///app/node_modules/kafkajs/src';

/** root -> onBatch (job) -> decode (Avro); root -> produce request -> Buffer alloc (node); root -> GC; root -> idle. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 4, 6, 7] },
    { id: 2, callFrame: { functionName: 'onBatch', url: 'file:///app/stream/job.ts' }, children: [3] },
    { id: 3, callFrame: { functionName: 'read', url: 'file:///app/node_modules/avsc/lib/types.js' } },
    { id: 4, callFrame: { functionName: 'encode', url: `${KAFKAJS}/protocol/requests/produce/v3/request.js` }, children: [5] },
    { id: 5, callFrame: { functionName: 'alloc', url: 'node:buffer' } },
    { id: 6, callFrame: { functionName: '(garbage collector)', url: '' } },
    { id: 7, callFrame: { functionName: '(idle)', url: '' }, children: [8] },
    { id: 8, callFrame: { functionName: 'process', url: 'file:///app/stream/partition-pipeline.ts' } },
  ],
  samples: [3, 5, 5, 6, 7],
  timeDeltas: [10, 20, 30, 40, 1000],
};

describe('cpu stages', () => {
  it('charges a sample to the innermost frame that names a stage, idle left out', () => {
    expect(threadOf(profile)).toBe('aggregator');
    expect(Object.fromEntries(stageTimes(profile, 'aggregator'))).toEqual({
      'decode (Avro)': 10,
      'produce sales topic (kafkajs)': 50,
      'garbage collection (on the thread)': 40,
    });
  });

  it('tells producing from consuming inside kafkajs on the aggregator', () => {
    expect(stageOf(`${KAFKAJS}/protocol/recordBatch/v0/decoder.js`, 'aggregator')).toBe('consume (kafkajs)');
    expect(stageOf(`${KAFKAJS}/producer/groupMessagesPerPartition.js`, 'aggregator')).toBe('produce sales topic (kafkajs)');
    expect(stageOf(`${KAFKAJS}/protocol/encoder.js`, 'connector')).toBe('produce events (kafkajs)');
    expect(stageOf('file:///app/ingest/rows.ts', 'connector')).toBe('parse + validate');
  });

  it('reads the compiled build as its sources', () => {
    const build = 'file:///app/dist/0123456789abcdef';
    expect(stageOf(`${build}/stream/operators/session-operator.js`, 'aggregator')).toBe('session operator');
    expect(stageOf(`${build}/core/shop-event-codec.js`, 'aggregator')).toBe('decode (Avro)');
    expect(stageOf(`${build}/stream/window.js`, 'aggregator')).toBe('engine');
    expect(stageOf('file:///app/node_modules/x/window.js', 'aggregator')).toBeUndefined();
    expect(stageOf(`${build}/stream/clv/hypergeometric.js`, 'aggregator')).toBe('lifetime-value scoring');
    const compiled = { ...profile, nodes: profile.nodes.map((n) => ({ ...n, callFrame: { ...n.callFrame, url: n.callFrame.url.replace('file:///app/stream/partition-pipeline.ts', `${build}/stream/partition-pipeline.js`) } })) };
    expect(threadOf(compiled)).toBe('aggregator');
  });
});
