/** SlotTable (the local gateway's requests in flight): O(1) add and delete, and nothing left of a deleted item. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlotTable } from '../../infra/local/slot-table.js';

const item = (name: string) => ({ name, slot: -1 });
const names = (table: SlotTable<{ name: string; slot: number }>) => {
  const seen: string[] = [];
  table.forEach((i) => seen.push(i.name));
  return seen.sort();
};

test('holds what was added until it is deleted; a slot is reused, so the table grows only to the most held at once', () => {
  const table = new SlotTable<{ name: string; slot: number }>();
  const [a, b, c] = [item('a'), item('b'), item('c')];
  table.add(a);
  table.add(b);
  table.add(b); // already held: no second entry
  assert.equal(table.size, 2);
  assert.deepEqual(names(table), ['a', 'b']);
  assert.equal(table.delete(a), true);
  assert.equal(table.delete(a), false, 'a second delete finds nothing');
  assert.equal(a.slot, -1);
  table.add(c);
  assert.equal(c.slot, 0, "c takes a's cleared slot");
  assert.deepEqual(names(table), ['b', 'c']);
  // Churn far beyond the most held at once: the table stays that size.
  for (let i = 0; i < 10_000; i++) {
    const x = item(`x${i}`);
    table.add(x);
    table.delete(x);
  }
  assert.equal(table.size, 2);
  assert.deepEqual(names(table), ['b', 'c']);
  assert.equal((table as unknown as { items: unknown[] }).items.length, 3);
});

test('a deleted item leaves no reference in the table; forEach may delete as it goes', () => {
  const table = new SlotTable<{ name: string; slot: number }>();
  const held = Array.from({ length: 8 }, (_, i) => item(`i${i}`));
  for (const i of held) table.add(i);
  table.forEach((i) => {
    if (Number(i.name.slice(1)) % 2 === 0) table.delete(i);
  });
  assert.deepEqual(names(table), ['i1', 'i3', 'i5', 'i7']);
  for (const i of held) table.delete(i);
  assert.equal(table.size, 0);
  const slots = (table as unknown as { items: unknown[] }).items;
  assert.ok(slots.every((slot) => slot === undefined), 'every slot is cleared');
});
