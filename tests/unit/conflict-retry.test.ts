/** The one conflict-retry helper (shared/keys/conflict-retry.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, CONCURRENT_CHANGE_MESSAGE, retryOnConflict, RetryConflict } from '../../shared/keys/conflict-retry.js';
import { ConditionFailedError } from '../../shared/store/ports.js';
import { KmsError } from '../../shared/errors.js';

describe('retryOnConflict', () => {
  it('runs again after a lost race or a RetryConflict, with jittered, growing, capped pauses', async () => {
    const pauses: number[] = [];
    let round = 0;
    const result = await retryOnConflict(
      async (n) => {
        round = n;
        if (n === 1) throw new ConditionFailedError('lost');
        if (n === 2) throw new RetryConflict('again');
        return 'done';
      },
      { random: () => 0.5, sleep: async (ms) => void pauses.push(ms) },
    );
    assert.equal(result, 'done');
    assert.equal(round, 3);
    assert.deepEqual(pauses, [1, 2]);
    assert.equal(backoffMs(1, () => 0.999), 1.998);
    assert.equal(backoffMs(30, () => 0.5), 100, 'capped at 200 ms');
    assert.equal(backoffMs(5, () => 0), 0, 'full jitter starts at 0');
  });

  it('answers ConflictException (a 400, never a 500) after the last round, or the caller\'s error', async () => {
    let rounds = 0;
    const lose = async () => {
      rounds++;
      throw new ConditionFailedError('lost');
    };
    await assert.rejects(retryOnConflict(lose, { attempts: 4, sleep: async () => {} }), (error: unknown) => {
      assert.ok(error instanceof KmsError);
      assert.equal(error.type, 'ConflictException');
      assert.equal(error.statusCode, 400);
      assert.equal(error.message, CONCURRENT_CHANGE_MESSAGE);
      return true;
    });
    assert.equal(rounds, 4);
    await assert.rejects(retryOnConflict(lose, { attempts: 1, exhausted: () => new Error('mine') }), /mine/);
  });

  it('lets any other error through at once', async () => {
    let rounds = 0;
    await assert.rejects(
      retryOnConflict(async () => {
        rounds++;
        throw new TypeError('bug');
      }),
      TypeError,
    );
    assert.equal(rounds, 1);
  });
});
