// One batch of the job's input into state: the events topic's records decoded and processed by
// their partition's pipeline, the rejected-rows topic's records taken as they are. Processing
// never awaits, so a tick never sees half a batch: the decoder is prepared before, and the
// output and rejected rows the batch goes to are the job's current ones when it runs.
import type { EachBatchPayload } from 'kafkajs';
import type { RejectedRow } from '../core/event.ts';
import { unprocessableReason, type EventDecoder } from './event-decoder.ts';
import type { Emissions, PartitionPipeline } from './partition-pipeline.ts';
import { rejectedRecord, undecodable, unprocessable } from './rejections.ts';

type Batch = EachBatchPayload['batch'];

/** Fetches the writer schemas the batch's records need (the only wait of a batch). */
export function prepareDecoding(batch: Batch, decoder: EventDecoder): Promise<void> {
  // Each value is made twice (here and in decode) on purpose: consumed records make their value
  // when asked, and an array holding the batch's values would keep more garbage alive past
  // young collections, which costs the aggregator more CPU than making them again.
  return decoder.prepare(batch.messages.map((m) => m.value));
}

/**
 * Processes the batch's records from the pipeline's next offset on, once prepareDecoding has
 * resolved; a record that does not decode, or an event the engine must not process, is rejected
 * and skipped (its time moves no watermark). Answers how many events were processed.
 */
export function processEventsBatch(batch: Batch, pipeline: PartitionPipeline, decoder: EventDecoder, out: Emissions, rejected: RejectedRow[]): number {
  let events = 0;
  for (const m of batch.messages) {
    const offset = Number(m.offset);
    if (offset < pipeline.nextOffset) continue;
    const event = decoder.decode(m.value);
    if (typeof event === 'string') {
      pipeline.skip(offset);
      rejected.push(undecodable(batch.topic, batch.partition, offset, event));
      continue;
    }
    const reason = unprocessableReason(event);
    if (reason) {
      pipeline.skip(offset);
      rejected.push(unprocessable(batch.topic, batch.partition, offset, event, reason));
      continue;
    }
    pipeline.process(event, offset, out);
    events += 1;
  }
  return events;
}

/** Takes the rejected-rows batch's records from offset `next` on; answers the next offset after them. */
export function takeRejectedBatch(batch: Batch, next: number, rejected: RejectedRow[]): number {
  for (const m of batch.messages) {
    if (Number(m.offset) < next || !m.value) continue;
    rejected.push(rejectedRecord(m.value));
    next = Number(m.offset) + 1;
  }
  return next;
}
