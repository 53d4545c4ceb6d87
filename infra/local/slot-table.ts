/**
 * The requests a server is handling, for its timeout sweep: added and deleted in O(1), and a deleted one
 * leaves no reference to itself behind.
 *
 * A Set does leave one. With adds and deletes its table fills with deleted entries, and V8 then copies
 * the live ones into a new table and keeps the old one, entries and all, for iterators
 * (OrderedHashTable::Rehash); once a Set's table is in the old generation, each new table is made there
 * too. The young-generation collections take what such a dead old table names for live (they do not
 * know it is dead) and promote it, with everything a request holds. Under load a third of the runs of
 * `npm run bench -- profile` fell into that: every request's HTTP objects went to the old generation,
 * the GC took 10-13 us per request instead of 4-5 and the p99 went over 10 ms.
 */
export interface Slotted {
  /** Where the table holds it (-1: not in it); the table's to set. */
  slot: number;
}

export class SlotTable<T extends Slotted> {
  private readonly items: Array<T | undefined> = [];
  /** Cleared slots, reused before the array grows: it grows to the most held at once, no further. */
  private readonly free: number[] = [];
  private count = 0;

  add(item: T): void {
    if (item.slot >= 0 && this.items[item.slot] === item) return;
    const slot = this.free.length > 0 ? this.free.pop()! : this.items.length;
    this.items[slot] = item;
    item.slot = slot;
    this.count++;
  }

  /** Whether it was held; its slot is cleared either way. */
  delete(item: T): boolean {
    const slot = item.slot;
    if (slot < 0 || this.items[slot] !== item) return false;
    this.items[slot] = undefined;
    item.slot = -1;
    this.free.push(slot);
    this.count--;
    return true;
  }

  get size(): number {
    return this.count;
  }

  /** Each item held (`fn` may delete it, or others). */
  forEach(fn: (item: T) => void): void {
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item !== undefined) fn(item);
    }
  }
}
