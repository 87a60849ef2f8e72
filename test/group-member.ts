// A stand-in for an aggregator about to be killed: joins the aggregator's consumer group with
// the job's session timeout and reports "joining" once its join is under way and "joined" once
// it owns partitions. The test kills it with SIGKILL; its member stays in the group until its
// session expires. It reads and commits nothing, as an aggregator before its first checkpoint.
import { loadConfig } from '../core/config.ts';
import { aggregatorGroup, topics } from '../core/topics.ts';
import { createKafka } from '../core/kafka.ts';

const config = loadConfig(process.env);
const t = topics(config.namespace);
const consumer = createKafka(config, 'dying-member').consumer({
  groupId: aggregatorGroup(config.namespace),
  sessionTimeout: 10_000,
  heartbeatInterval: 1_000,
});
consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('joined\n'));
await consumer.connect();
await consumer.subscribe({ topics: [t.events, t.rejected], fromBeginning: true });
void consumer.run({ autoCommit: false, eachMessage: async () => undefined });
process.stdout.write('joining\n');
