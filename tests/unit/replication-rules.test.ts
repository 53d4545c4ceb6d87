/** The local global-table replicator's pure rules (infra/local/replicator.ts): last writer wins, echoes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CREATION_TIME_ROUNDING_MS, fingerprintOf, newerVersion, observe, ownerRegion, stableJson, versionTime, type Version } from '../../infra/local/replication-rules.js';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const T = Date.UTC(2027, 0, 1);

test('last writer wins: the later time is newer whatever the regions', () => {
  assert.equal(newerVersion({ at: T + 1, origin: EAST }, { at: T, origin: WEST }), true);
  assert.equal(newerVersion({ at: T, origin: WEST }, { at: T + 1, origin: EAST }), false);
});

test('last writer wins: a tie goes to the greater region name, the same way from both sides', () => {
  const east: Version = { at: T, origin: EAST };
  const west: Version = { at: T, origin: WEST };
  assert.equal(newerVersion(west, east), true);
  assert.equal(newerVersion(east, west), false);
  // An equal version is not newer: a replayed write is not applied twice.
  assert.equal(newerVersion(east, { ...east }), false);
});

test('every region converges: applying versions in any order keeps the same winner', () => {
  const versions: Version[] = [
    { at: T, origin: EAST },
    { at: T, origin: WEST },
    { at: T - 5, origin: 'eu-west-1' },
    { at: T + 3, origin: 'ap-south-1' },
  ];
  const winner = (order: Version[]) => order.reduce((kept, v) => (newerVersion(v, kept) ? v : kept));
  const expected = winner(versions);
  for (const order of [versions, [...versions].reverse(), [versions[2]!, versions[0]!, versions[3]!, versions[1]!]]) {
    assert.deepEqual(winner(order), expected);
  }
  assert.deepEqual(expected, { at: T + 3, origin: 'ap-south-1' });
});

test('fingerprints: key order and set order do not matter; a removal is REMOVE', () => {
  const a = { pk: { S: 'k' }, tags: { SS: ['b', 'a'] }, n: { N: '1' } };
  const b = { n: { N: '1' }, tags: { SS: ['a', 'b'] }, pk: { S: 'k' } };
  assert.equal(fingerprintOf(a), fingerprintOf(b));
  assert.notEqual(fingerprintOf(a), fingerprintOf({ ...a, n: { N: '2' } }));
  // Lists keep their order: [1,2] and [2,1] are different items.
  assert.notEqual(stableJson({ L: [{ N: '1' }, { N: '2' }] }), stableJson({ L: [{ N: '2' }, { N: '1' }] }));
  assert.equal(stableJson({ B: new Uint8Array([1, 2]) }), stableJson({ B: Buffer.from([1, 2]) }));
  assert.equal(fingerprintOf(undefined), 'REMOVE');
});

test('echo: a record matching what the replicator wrote there is consumed, not sent on', () => {
  const version = { at: T, origin: EAST };
  const seen = observe({ version, pending: ['x', 'y'] }, 'x', T, WEST);
  assert.equal(seen.kind, 'echo');
  assert.deepEqual(seen.state, { version, pending: ['y'] });
  // The second one is consumed too; afterwards the same image written locally is a local write.
  const next = observe(seen.state, 'y', T, WEST);
  assert.equal(next.kind, 'echo');
  assert.equal(observe(next.state, 'y', T + 1000, WEST).kind, 'local');
});

test('echo: an earlier pending write whose record never came is dropped with the match', () => {
  const seen = observe({ pending: ['lost', 'x', 'later'] }, 'x', T, WEST);
  assert.deepEqual(seen.state.pending, ['later']);
});

test('local write after a known version in the same second is bumped past it', () => {
  // Replicated from the west at T; a local east write in the same (rounded) second comes after it in the table.
  const seen = observe({ version: { at: T, origin: WEST }, pending: [] }, 'new', T, EAST);
  assert.equal(seen.kind, 'local');
  if (seen.kind !== 'local') return;
  assert.deepEqual(seen.version, { at: T + 1, origin: EAST });
  assert.equal(newerVersion(seen.version, { at: T, origin: WEST }), true);
  assert.equal(seen.repair, false);
  assert.deepEqual(seen.state.version, seen.version);
  // With nothing known, the record's own time.
  const first = observe(undefined, 'a', T, EAST);
  assert.ok(first.kind === 'local' && first.version.at === T);
});

test('local write that an older replicated write overwrote is repaired; a losing one is not', () => {
  // Our west write (at T, older) is still pending in east's stream: the east write at T + 500 came first.
  const pending = { version: { at: T, origin: WEST }, pending: ['ours'] };
  const newer = observe(pending, 'theirs', T + 500, EAST);
  assert.ok(newer.kind === 'local');
  assert.equal(newer.repair, true);
  assert.deepEqual(newer.version, { at: T + 500, origin: EAST });
  assert.deepEqual(newer.state, pending); // the repair's own apply records the version
  const older = observe(pending, 'theirs', T - 500, EAST);
  assert.ok(older.kind === 'local');
  assert.equal(older.repair, false);
});

test('version time: when seen, within the rounded creation time window', () => {
  // Seen promptly: the observation time, precise to the ms.
  assert.equal(versionTime(T, T + 1234), T + 1234);
  // Seen late (its region was down): no later than the end of its creation window.
  assert.equal(versionTime(T, T + 10 * CREATION_TIME_ROUNDING_MS), T + CREATION_TIME_ROUNDING_MS - 1);
  // A clock behind the record's time: never before it.
  assert.equal(versionTime(T, T - 5), T);
});

test('ownerRegion: the writer region a partition key names, among the global table\'s regions', () => {
  const regions = ['us-east-1', 'us-west-2'];
  assert.equal(ownerRegion('KEY#us-east-1#1234abcd-12ab-34cd-56ef-1234567890ab', regions), 'us-east-1');
  assert.equal(ownerRegion('ALIASES#us-west-2#111122223333', regions), 'us-west-2');
  assert.equal(ownerRegion('OUTBOX#us-west-2', regions), 'us-west-2');
  assert.equal(ownerRegion('GRANTS#us-east-1#mrk-1', regions), 'us-east-1');
  assert.equal(ownerRegion('KEY#eu-west-1#x', regions), undefined, 'not a region of the global table');
  for (const shared of ['MRK#mrk-0123', 'MATERIAL#1234', 'CREDENTIALS', undefined]) assert.equal(ownerRegion(shared, regions), undefined);
});
