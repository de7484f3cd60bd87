import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

const A_ID = 'https://team-a.example/schemas/order';

describe('one team’s schema $id is nobody else’s', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ worker: false });
  });
  afterAll(async () => h?.close());

  it("resolves team B's $ref to team A's $id to nothing: no compile, no disclosure; B may use the same $id", async () => {
    const a = h.caller((await h.createTeam()).key);
    const b = h.caller((await h.createTeam()).key);
    await a.eventTypes.create({ name: 'order.paid', schema: { $id: A_ID, type: 'object', required: ['teamAInternalField'] } });
    expect((await a.events.publish({ type: 'order.paid', data: { teamAInternalField: 1 } })).type).toBe('order.paid');
    await expect(b.eventTypes.create({ name: 'probe', schema: { $ref: A_ID } })).rejects.toThrow(
      `schema: invalid JSON Schema: can't resolve reference ${A_ID}`,
    );
    // The same $id is free for B (before, "schema with key or id … already exists" told B that A uses it).
    await b.eventTypes.create({ name: 'mine', schema: { $id: A_ID, type: 'object', required: ['own'] } });
    await expect(b.events.publish({ type: 'mine', data: {} })).rejects.toThrow("data: must have required property 'own'");
    await expect(a.events.publish({ type: 'order.paid', data: {} })).rejects.toThrow(
      "data: must have required property 'teamAInternalField'",
    );
  });

  it('publishes to and updates types whose $id schema is stored in another key order', async () => {
    const { key, teamId } = await h.createTeam();
    const api = h.caller(key);
    const id = 'https://team-c.example/s';
    await api.eventTypes.create({ name: 'c.one', schema: { $id: id, type: 'object', properties: { n: { type: 'integer' } } } });
    // The same schema, keys in another order (as another API process or an old import stored it).
    await h.db
      .insertInto('event_types')
      .values({
        team_id: teamId,
        name: 'c.two',
        description: '',
        schema: '{"type":"object","properties":{"n":{"type":"integer"}},"$id":"https://team-c.example/s"}',
      } as never)
      .execute();
    await expect(api.events.publish({ type: 'c.two', data: { n: 'x' } })).rejects.toThrow('data/n: must be integer');
    expect((await api.events.publish({ type: 'c.two', data: { n: 1 } })).type).toBe('c.two');
    await api.eventTypes.update({ name: 'c.one', schema: { properties: { n: { type: 'string' } }, type: 'object', $id: id } });
    expect((await api.events.publish({ type: 'c.one', data: { n: 'x' } })).type).toBe('c.one');
  });
});
