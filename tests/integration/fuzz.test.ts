/**
 * Property-based fuzzing over every operation of AWS's model: a seeded generator builds requests from
 * each operation's input shape and then breaks them (wrong JSON types, lengths and numbers just past the
 * model's bounds, invalid base64, unicode, nulls, Object.prototype member names as keys and targets,
 * random targets and content types, bodies that are not JSON objects). Every answer must be an AWS-shaped
 * answer: never a 5xx, and every refusal a JSON body with an AWS `__type`. Afterwards the service still
 * does a normal round trip. Runs in a region no other test uses (its own keys and tables).
 *
 * FUZZ_SEED and FUZZ_REQUESTS change the run (the seed is printed, so a failure can be replayed).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { model } from '../../shared/model/model.js';
import { prng, RESERVED, text, valueOf, type Context } from '../support/model-values.js';
import { kms, rawCall } from './helpers.js';

const REGION = 'ap-south-2';
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2500);
const CONCURRENCY = 8;

interface FuzzRequest {
  target: string;
  body: string;
  contentType?: string;
  what: string;
}

function request(ctx: Context, operations: string[]): FuzzRequest {
  const { rng } = ctx;
  const operation = rng.pick(operations);
  const input = model.operations[operation]!.input;
  let target = `TrentService.${operation}`;
  let what = operation;
  if (rng.chance(0.04)) {
    target = rng.pick([`TrentService.${rng.pick(RESERVED)}`, 'TrentService.', 'TrentService', 'KMS.Encrypt', `TrentService.${text(rng, 8, true)}` /* header values are Latin-1 */, `trentservice.${operation}`, '']);
    what = `target ${JSON.stringify(target)}`;
  }
  let body = JSON.stringify(input ? valueOf(input, ctx, 0) : {});
  if (rng.chance(0.03)) {
    body = rng.pick(['', '[]', 'null', '"x"', '{', '{"a":', '12', '{}'.repeat(3), '\u0000']);
    what += ' (not a JSON object)';
  }
  let contentType: string | undefined;
  if (rng.chance(0.03)) {
    contentType = rng.pick(['application/json', 'text/plain', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1; charset=utf-8', 'multipart/form-data', '']);
    what += ` (content type ${JSON.stringify(contentType)})`;
  }
  return { target, body, contentType, what };
}

describe('fuzzing every operation of the model', { timeout: 240_000 }, () => {
  test(`${REQUESTS} generated requests (seed ${SEED}): no 5xx, every refusal in AWS's error shape`, async () => {
    const setup = kms(REGION);
    const keyIds: string[] = [];
    for (const spec of ['SYMMETRIC_DEFAULT', 'RSA_2048', 'HMAC_256', 'ECC_NIST_P256'] as const) {
      const usage = spec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : spec === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : 'SIGN_VERIFY';
      const { KeyMetadata } = await setup.createKey({ KeySpec: spec, KeyUsage: usage });
      keyIds.push(KeyMetadata!.KeyId!, KeyMetadata!.Arn!);
    }
    await setup.createAlias({ AliasName: 'alias/fuzz-target', TargetKeyId: keyIds[0]! }).catch(() => {});
    keyIds.push('alias/fuzz-target');

    const ctx: Context = { rng: prng(SEED), keyIds };
    const operations = Object.keys(model.operations).sort();
    const requests = Array.from({ length: REQUESTS }, () => request(ctx, operations));
    const problems: string[] = [];
    const seen = new Map<string, number>();
    let index = 0;
    const worker = async () => {
      while (index < requests.length) {
        const r = requests[index++]!;
        const response = await rawCall(r.target, r.body, {
          region: REGION,
          ...(r.target === '' ? { omitTarget: true } : {}),
          ...(r.contentType !== undefined ? { headers: { 'content-type': r.contentType } } : {}),
        });
        const outcome = response.status === 200 ? 'ok' : String(response.json?.__type);
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        if (response.status >= 500) problems.push(`${r.what}: HTTP ${response.status} ${response.text.slice(0, 200)} for ${r.body.slice(0, 300)}`);
        else if (response.status !== 200 && (typeof response.json?.__type !== 'string' || !/^[A-Z][A-Za-z]+$/.test(response.json.__type as string))) {
          problems.push(`${r.what}: HTTP ${response.status} without an AWS error body: ${response.text.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual(problems.slice(0, 20), [], `seed ${SEED}: ${problems.length} bad answers`);
    // The generator reached the service's operations and its validation alike.
    assert.ok((seen.get('ok') ?? 0) > REQUESTS / 50, `some requests succeed: ${JSON.stringify(Object.fromEntries(seen))}`);
    for (const type of ['ValidationException', 'SerializationException', 'UnknownOperationException', 'NotFoundException']) {
      assert.ok((seen.get(type) ?? 0) > 0, `${type} among the answers: ${JSON.stringify(Object.fromEntries(seen))}`);
    }

    // And a normal round trip afterwards.
    const { KeyMetadata } = await setup.createKey({});
    const out = await setup.encrypt({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('still fine'), EncryptionContext: { a: 'b' } });
    const back = await setup.decrypt({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { a: 'b' } });
    assert.equal(Buffer.from(back.Plaintext!).toString(), 'still fine');
  });
});
