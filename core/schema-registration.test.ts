import { describe, expect, it } from 'vitest';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerEventSchema } from './avro.ts';

/** A registry whose register answers with `answers` in turn (an Error is thrown), counting the calls. */
function registry(...answers: Array<number | Error>) {
  let calls = 0;
  const register = async () => {
    const answer = answers[calls++]!;
    if (answer instanceof Error) throw answer;
    return { id: answer };
  };
  return { registry: { register } as unknown as Pick<SchemaRegistry, 'register'>, calls: () => calls };
}

describe('registerEventSchema', () => {
  it("asks once more when another process set the subject's compatibility meanwhile", async () => {
    const r = registry(new Error("Confluent_Schema_Registry - A rule named 'COMPATIBILITY' already exists."), 7);
    expect(await registerEventSchema(r.registry, 'ns')).toBe(7);
    expect(r.calls()).toBe(2);
  });

  it('passes any other refusal on at once', async () => {
    const r = registry(new Error('Confluent_Schema_Registry - Schema being registered is incompatible with an earlier schema'), 7);
    await expect(registerEventSchema(r.registry, 'ns')).rejects.toThrow(/incompatible/);
    expect(r.calls()).toBe(1);
  });
});
