/**
 * The calls between the local service's process and its API workers (infra/local/worker-channel.ts),
 * over an in-memory pair of channels that passes messages through JSON as the IPC channel does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerChannel, type Handlers } from '../../infra/local/worker-channel.js';

function pair(left: Handlers, right: Handlers) {
  let open = true;
  const deliver = (to: () => WorkerChannel) => (message: object, done: (error: Error | null) => void) => {
    if (!open) return done(new Error('closed'));
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    setImmediate(() => {
      to().receive(copy);
      done(null);
    });
  };
  const a: WorkerChannel = new WorkerChannel(deliver(() => b), left);
  const b: WorkerChannel = new WorkerChannel(deliver(() => a), right);
  return { a, b, cut: () => (open = false) };
}

test("a call gets the other side's answer, or its error; a notification gets none", async () => {
  const seen: unknown[] = [];
  const { a } = pair({}, {
    double: (n: number) => n * 2,
    later: async (text: string) => `${text}!`,
    fail: () => {
      throw new Error('no such region');
    },
    note: (payload: unknown) => void seen.push(payload),
  });
  assert.equal(await a.call('double', 21), 42);
  assert.equal(await a.call('later', 'hi'), 'hi!');
  await assert.rejects(a.call('fail'), /no such region/);
  await assert.rejects(a.call('unknown'), /nothing answers 'unknown'/);
  a.notify('note', { region: 'us-east-1' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(seen, [{ region: 'us-east-1' }]);
});

test('messages that are not the channel\'s are left alone', () => {
  const { a } = pair({}, {});
  assert.equal(a.receive({ cmd: 'NODE_CLUSTER' }), false);
  assert.equal(a.receive('text'), false);
  assert.equal(a.receive(null), false);
});

test('a call not answered in time fails, and so does every call outstanding or made after the channel closes', async () => {
  const { a, cut } = pair({}, { slow: () => new Promise(() => {}) });
  await assert.rejects(a.call('slow', undefined, 50), /no answer to 'slow' within 50 ms/);
  const outstanding = a.call('slow');
  a.close('the API worker exited');
  await assert.rejects(outstanding, /the API worker exited/);
  await assert.rejects(a.call('slow'), /the API worker exited/);
  const other = pair({}, { slow: () => new Promise(() => {}) });
  other.cut();
  await assert.rejects(other.a.call('slow'), /closed/);
  cut();
});
