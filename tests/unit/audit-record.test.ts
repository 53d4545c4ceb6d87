/**
 * Audit records without a database: what the model-derived redaction keeps and drops for every
 * operation, the record's shape for successes and failures, its fast serialisation, the buffer, the
 * key/time matching of `npm run audit`, and the metrics aggregation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiCallLine, apiCallRecord, auditLine, eventTimeOf, isReadOnly, userIdentityOf, type CompletedCall } from '../../shared/audit/api-record.js';
import { LineWriter } from '../../shared/audit/line-writer.js';
import { decodeInput } from '../../shared/protocol/validation.js';
import { prng, valueOf } from '../support/model-values.js';
import { AuditBuffer } from '../../shared/audit/buffer.js';
import { dayFilesInRange, recordInRange, recordNamesKey } from '../../shared/audit/query.js';
import { keptMembers, safeRequestParameters, safeResponseElements } from '../../shared/audit/redact.js';
import type { KeyRecord } from '../../shared/core/types.js';
import { MetricsAggregator } from '../../shared/observability.js';
import type { AuditRecord } from '../../shared/core/sinks.js';
import { model } from '../../shared/model/model.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const key = { keyId: KEY_ID, account: '111122223333', arn: ARN } as KeyRecord;
const caller = {
  account: '111122223333',
  principalArn: 'arn:aws:iam::111122223333:user/engineering/bob',
  accessKeyId: 'AKIABOB',
  sourceIp: '192.0.2.1',
  userAgent: 'aws-cli/2.9',
};
const secret = Buffer.from('top secret plaintext bytes');

test('no operation of the model keeps a blob, a sensitive member or a grant token', () => {
  const forbidden = (shapeName: string): boolean => {
    const s = model.shapes[shapeName]!;
    return s.type === 'blob' || s.sensitive === true || shapeName === 'GrantTokenType' || shapeName === 'GrantTokenList';
  };
  let checked = 0;
  for (const [operation, spec] of Object.entries(model.operations)) {
    for (const shapeName of [spec.input, spec.output]) {
      if (!shapeName) continue;
      const members = model.shapes[shapeName]!.members ?? {};
      for (const kept of keptMembers(shapeName)) {
        assert.ok(!forbidden(members[kept]!.shape), `${operation}: ${kept} (${members[kept]!.shape}) must not be recorded`);
      }
      checked++;
    }
  }
  assert.ok(checked > 50);
  // The ones that matter most, by name.
  for (const [shape, dropped] of [
    ['EncryptRequest', ['Plaintext', 'GrantTokens']],
    ['DecryptRequest', ['CiphertextBlob', 'GrantTokens']],
    ['ImportKeyMaterialRequest', ['ImportToken', 'EncryptedKeyMaterial']],
    ['GenerateDataKeyResponse', ['Plaintext', 'CiphertextBlob']],
    ['CreateGrantResponse', ['GrantToken']],
    ['GetParametersForImportResponse', ['ImportToken', 'PublicKey']],
    ['CreateCustomKeyStoreRequest', ['KeyStorePassword']],
  ] as const) {
    for (const member of dropped) assert.ok(!keptMembers(shape).includes(member), `${shape}.${member} is dropped`);
  }
});

test('request parameters: camelCase, secrets dropped, nested structures and dates handled', () => {
  assert.deepEqual(
    safeRequestParameters('Encrypt', { KeyId: 'alias/x', Plaintext: secret, EncryptionContext: { a: 'b' }, GrantTokens: ['token'], DryRun: false }),
    { keyId: 'alias/x', encryptionContext: { a: 'b' }, dryRun: false },
  );
  assert.deepEqual(
    safeRequestParameters('CreateKey', { Description: 'd', Tags: [{ TagKey: 'k', TagValue: 'v' }], KeySpec: 'SYMMETRIC_DEFAULT' }),
    { description: 'd', tags: [{ tagKey: 'k', tagValue: 'v' }], keySpec: 'SYMMETRIC_DEFAULT' },
  );
  assert.deepEqual(
    safeRequestParameters('ImportKeyMaterial', {
      KeyId: KEY_ID,
      ImportToken: secret,
      EncryptedKeyMaterial: secret,
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: new Date(Date.UTC(2030, 0, 1)),
    }),
    { keyId: KEY_ID, expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: '2030-01-01T00:00:00.000Z' },
  );
  assert.deepEqual(safeResponseElements('ScheduleKeyDeletion', { KeyId: ARN, DeletionDate: new Date(0), KeyState: 'PendingDeletion', PendingWindowInDays: 7 }), {
    keyId: ARN,
    deletionDate: '1970-01-01T00:00:00.000Z',
    keyState: 'PendingDeletion',
    pendingWindowInDays: 7,
  });
});

test('a successful Decrypt: resolved key ARN as keyId, algorithm always, no response elements', () => {
  const r = apiCallRecord({
    operation: 'Decrypt',
    caller,
    region: 'us-east-1',
    requestId: 'req-1',
    input: { CiphertextBlob: secret, EncryptionContext: { a: 'b' }, GrantTokens: ['t'] },
    output: { KeyId: ARN, Plaintext: secret, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    keys: [key],
    time: new Date(Date.UTC(2026, 4, 1, 12, 30, 15, 999)),
  });
  const parsed = JSON.parse(auditLine(r));
  assert.deepEqual(parsed, {
    eventVersion: '1.08',
    userIdentity: {
      type: 'IAMUser',
      principalId: parsed.userIdentity.principalId,
      arn: caller.principalArn,
      accountId: '111122223333',
      accessKeyId: 'AKIABOB',
      userName: 'bob',
    },
    eventTime: '2026-05-01T12:30:15Z',
    eventSource: 'kms.amazonaws.com',
    eventName: 'Decrypt',
    awsRegion: 'us-east-1',
    sourceIPAddress: '192.0.2.1',
    userAgent: 'aws-cli/2.9',
    requestParameters: { keyId: ARN, encryptionContext: { a: 'b' }, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    responseElements: null,
    requestID: 'req-1',
    eventID: parsed.eventID,
    readOnly: true,
    resources: [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
  });
  assert.ok(!auditLine(r).includes(secret.toString('base64')));
});

test('a failure: errorCode and errorMessage; a validation failure records no parameters', () => {
  const failed = JSON.parse(
    auditLine(
      apiCallRecord({
        operation: 'DisableKey',
        caller,
        region: 'us-east-1',
        requestId: 'req-2',
        input: { KeyId: KEY_ID },
        output: undefined,
        errorCode: 'NotFoundException',
        errorMessage: `Key '${ARN}' does not exist`,
        keys: [],
        time: new Date(),
      }),
    ),
  );
  assert.equal(failed.errorCode, 'NotFoundException');
  assert.equal(failed.errorMessage, `Key '${ARN}' does not exist`);
  assert.equal(failed.readOnly, false);
  assert.deepEqual(failed.requestParameters, { keyId: KEY_ID });
  assert.equal(failed.responseElements, null);
  assert.equal('resources' in failed, false);

  const invalid = JSON.parse(
    auditLine(
      apiCallRecord({ operation: 'Bogus', caller, region: 'us-east-1', requestId: 'r', input: undefined, output: undefined, errorCode: 'UnknownOperationException', keys: undefined, time: new Date() }),
    ),
  );
  assert.equal(invalid.eventName, 'Bogus');
  assert.equal(invalid.requestParameters, null);
  assert.equal(invalid.readOnly, false);
});

test('auditLine of an API record equals JSON.stringify (with and without optional members)', () => {
  const variants = [
    apiCallRecord({ operation: 'Encrypt', caller, region: 'us-east-1', requestId: 'a"b\\c', input: { KeyId: KEY_ID, Plaintext: secret }, output: {}, keys: [key, key], time: new Date() }),
    apiCallRecord({
      operation: 'CreateKey',
      caller: { account: '111122223333', principalArn: 'arn:aws:iam::111122223333:root', vpceId: 'vpce-1' },
      region: 'eu-west-1',
      requestId: 'r',
      input: { Description: 'ünïcødé "quoted"\n' },
      output: { KeyMetadata: { KeyId: KEY_ID, Arn: ARN, AWSAccountId: '111122223333', CreationDate: new Date(0) } },
      keys: undefined,
      time: new Date(),
    }),
    apiCallRecord({ operation: undefined, caller, region: 'us-east-1', requestId: 'r', input: undefined, output: undefined, errorCode: 'X', errorMessage: 'm', keys: undefined, time: new Date() }),
  ];
  for (const r of variants) assert.equal(auditLine(r), JSON.stringify(r));
  const created = JSON.parse(auditLine(variants[1]!));
  // One key: its resources are kept per key record, and stay its own.
  const other = { keyId: 'other', account: '444455556666', arn: 'arn:aws:kms:eu-west-1:444455556666:key/other' } as KeyRecord;
  for (const k of [key, other, key, other]) {
    const r = apiCallRecord({ operation: 'Encrypt', caller, region: 'us-east-1', requestId: 'r', input: { KeyId: k.keyId }, output: {}, keys: [k], time: new Date() });
    assert.equal(auditLine(r), JSON.stringify(r));
    assert.deepEqual(JSON.parse(auditLine(r)).resources, [{ accountId: k.account, type: 'AWS::KMS::Key', ARN: k.arn }]);
  }
  assert.deepEqual(created.resources, [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN }]);
  assert.equal(created.responseElements.keyMetadata.creationDate, '1970-01-01T00:00:00.000Z');
  assert.equal(created.vpcEndpointId, 'vpce-1');
  assert.equal(created.userIdentity.type, 'Root');
});

test('records that repeat the last one but for one member: each line still equals JSON.stringify', () => {
  // The line's leading and trailing members are kept while records repeat them; each change must show.
  const other = { keyId: 'other', account: '444455556666', arn: 'arn:aws:kms:us-east-1:444455556666:key/other' } as KeyRecord;
  const t = new Date('2026-12-05T10:00:00.400Z');
  const base = { operation: 'Encrypt', caller, region: 'us-east-1', requestId: 'r', input: { KeyId: KEY_ID }, output: {}, keys: [key], time: t };
  const calls = [
    base,
    base,
    { ...base, caller: { ...caller, userAgent: 'aws-sdk-js/3' } },
    { ...base, caller: { ...caller, sourceIp: '198.51.100.7' } },
    { ...base, caller: { ...caller, sourceIp: undefined, userAgent: undefined } },
    { ...base, caller: { ...caller, accessKeyId: 'AKIAOTHER' } },
    { ...base, caller: { ...caller, principalArn: 'arn:aws:iam::111122223333:user/alice' } },
    { ...base, caller: { ...caller, account: '444455556666', principalArn: 'arn:aws:iam::444455556666:root' } },
    { ...base, region: 'eu-west-1' },
    { ...base, time: new Date(t.getTime() + 1000) },
    { ...base, operation: 'Decrypt' },
    { ...base, operation: 'DisableKey', input: { KeyId: KEY_ID } },
    { ...base, keys: [other] },
    { ...base, keys: [key, other] },
    { ...base, keys: undefined },
    { ...base, caller: { ...caller, vpceId: 'vpce-0a1b' } },
    { ...base, caller: { ...caller, vpceId: 'vpce-0a1b' } },
    { ...base, caller: { ...caller, vpceId: 'vpce-"quoted"' } },
    base,
    base,
  ];
  for (const call of calls) {
    const r = apiCallRecord(call);
    assert.equal(auditLine(r), JSON.stringify(r));
  }
});

test('the line of a call written from the call itself equals JSON.stringify of its record, for every operation of the model', () => {
  // The local runtime writes each request's line from its completed call (ApiCallLine), the outbox and
  // Lambda keep the record object: both must say the same, for any input (decoded or not), key list,
  // error and output.
  const other = { keyId: 'other', account: '444455556666', arn: 'arn:aws:kms:us-east-1:444455556666:key/other' } as KeyRecord;
  const rng = prng(20261206);
  const ctx = { rng, keyIds: [KEY_ID, ARN, 'alias/app'] };
  const time = new Date('2026-12-06T01:02:03.456Z');
  const clock = { now: () => time };
  const out = new LineWriter(64);
  let lines = 0;
  let decoded = 0;
  for (const [operation, spec] of [...Object.entries(model.operations), ['NotInTheModel', { input: 'EncryptRequest' }] as const]) {
    for (let i = 0; i < 25; i++) {
      const wire = spec.input ? valueOf(spec.input, ctx, 0) : {};
      const inputs: unknown[] = [wire, undefined];
      try {
        inputs.push(decodeInput(spec.input, JSON.parse(JSON.stringify(wire) ?? 'null')));
        decoded++;
      } catch {
        // not valid: the dispatcher records such a request without its input
      }
      for (const input of inputs) {
        const keys = rng.pick([undefined, [], [key], [other], [key, other]]);
        const done: CompletedCall = {
          operation: rng.chance(0.05) ? undefined : operation,
          request: { caller: rng.pick([caller, { account: '111122223333', principalArn: 'arn:aws:iam::111122223333:root', vpceId: 'vpce-1' }]), region: 'us-east-1' },
          requestId: rng.pick(['r-1', 'a"b\\c']),
          input,
          output: 'output' in spec && spec.output && rng.chance(0.8) ? valueOf(spec.output, ctx, 0) : undefined,
          error: rng.chance(0.3) ? { type: 'NotFoundException', message: rng.pick(['', 'Key "x" ü not found']) } : undefined,
          ctx: { clock, trail: keys && { keys } },
        };
        const line = new ApiCallLine(done, time);
        line.writeTo(out.reset());
        assert.equal(out.contents().toString('utf8'), JSON.stringify(line.record()), `${operation} ${JSON.stringify(input)}`);
        lines++;
      }
    }
  }
  assert.ok(lines > 3000 && decoded > 300, `${lines} lines, ${decoded} decoded inputs`);
  // Decrypt's amendments (the model's member order): the resolved key's ARN in place of the request's key, else after
  // the rest, and the default algorithm when the request names none.
  const decrypt = (input: Record<string, unknown>, keys: KeyRecord[]) => {
    new ApiCallLine({ operation: 'Decrypt', request: { caller, region: 'us-east-1' }, requestId: 'r', input, output: {}, error: undefined, ctx: { clock, trail: { keys } } }, time).writeTo(out.reset());
    return JSON.parse(out.contents().toString('utf8')).requestParameters;
  };
  assert.equal(JSON.stringify(decrypt({ KeyId: 'alias/app', EncryptionContext: { a: 'b' } }, [key])), `{"encryptionContext":{"a":"b"},"keyId":"${ARN}","encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`);
  assert.equal(JSON.stringify(decrypt({ EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }, [key])), `{"encryptionAlgorithm":"RSAES_OAEP_SHA_256","keyId":"${ARN}"}`);
  assert.equal(JSON.stringify(decrypt({ CiphertextBlob: secret }, [])), '{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}');
});

test('userIdentity of roots, users and role sessions; readOnly; eventTime in whole seconds', () => {
  assert.equal(userIdentityOf({ account: '1', principalArn: 'arn:aws:iam::111122223333:root' }).type, 'Root');
  const session = userIdentityOf({ account: '111122223333', principalArn: 'arn:aws:sts::111122223333:assumed-role/app/s1', accessKeyId: 'ASIA1' });
  assert.equal(session.type, 'AssumedRole');
  assert.deepEqual((session.sessionContext as { sessionIssuer: { arn: string } }).sessionIssuer.arn, 'arn:aws:iam::111122223333:role/app');
  for (const op of ['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey', 'ListKeys', 'GetKeyPolicy', 'GenerateRandom']) assert.equal(isReadOnly(op), true, op);
  for (const op of ['CreateKey', 'DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy', 'CreateGrant']) assert.equal(isReadOnly(op), false, op);
  assert.equal(eventTimeOf(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), '2026-01-02T03:04:05Z');
});

test('the buffer writes batches in order; a failed write is reported and rejects its flush only', async () => {
  const written: string[][] = [];
  const errors: number[] = [];
  let fail = false;
  const buffer = new AuditBuffer(
    {
      write: async (records) => {
        await new Promise((r) => setTimeout(r, 5));
        if (fail) throw new Error('disk full');
        written.push(records.map((r) => r.eventID));
      },
    },
    { onError: (_e, n) => errors.push(n) },
  );
  const rec = (id: string) => ({ eventID: id, eventTime: '2026-01-01T00:00:00Z', eventName: 'X' }) as AuditRecord;
  buffer.add(rec('a'));
  buffer.add(rec('b'));
  const first = buffer.flush();
  buffer.add(rec('c'));
  await buffer.flush();
  await first;
  assert.deepEqual(written, [['a', 'b'], ['c']]);
  fail = true;
  buffer.add(rec('d'));
  await assert.rejects(buffer.flush(), /disk full/);
  assert.deepEqual(errors, [1]);
  // The failed batch fails no later one, and an empty flush waits for the failed one without failing.
  await buffer.flush();
  fail = false;
  buffer.add(rec('e'));
  await buffer.flush();
  assert.deepEqual(written, [['a', 'b'], ['c'], ['e']]);
  assert.deepEqual(errors, [1]);
});

test('npm run audit matching: by ARN, by id, by request parameter; time range; day files', () => {
  const record = { eventTime: '2026-03-04T05:06:07Z', resources: [{ ARN }], requestParameters: null };
  assert.equal(recordNamesKey(record, ARN), true);
  assert.equal(recordNamesKey(record, KEY_ID), true);
  assert.equal(recordNamesKey(record, '0000'), false);
  assert.equal(recordNamesKey({ requestParameters: { keyId: KEY_ID } }, KEY_ID), true);
  assert.equal(recordNamesKey({ requestParameters: { destinationKeyId: ARN } }, KEY_ID), true);
  assert.equal(recordInRange(record, new Date('2026-03-04T05:06:07.500Z'), new Date('2026-03-04T05:06:08Z')), true);
  assert.equal(recordInRange(record, new Date('2026-03-04T05:06:08Z')), false);
  assert.equal(recordInRange(record, undefined, new Date('2026-03-04T05:06:06Z')), false);
  assert.deepEqual(
    dayFilesInRange(['2026-03-05.jsonl', 'service-event-ids.jsonl', '2026-03-03.jsonl', '2026-03-04.jsonl'], new Date('2026-03-04T10:00:00Z')),
    ['2026-03-04.jsonl', '2026-03-05.jsonl'],
  );
});

test('metrics: per-operation requests, errors and latency samples; plain counts apart', () => {
  const aggregator = new MetricsAggregator();
  for (let i = 0; i < 250; i++) aggregator.request('Encrypt', i % 50 === 0, 1);
  aggregator.request('Decrypt', true, 2);
  aggregator.count('PendingDeletionKeyUse');
  aggregator.count('PendingDeletionKeyUse', 2);
  const published: { dimensions: Record<string, string>; metrics: Record<string, number[]> }[] = [];
  let current = { dimensions: {} as Record<string, string>, metrics: {} as Record<string, number[]> };
  const fake = {
    addDimension: (name: string, value: string) => void (current.dimensions[name] = value),
    addMetric: (name: string, _unit: string, value: number) => void (current.metrics[name] ??= []).push(value),
    publishStoredMetrics: () => {
      published.push(current);
      current = { dimensions: {}, metrics: {} };
    },
  };
  aggregator.publish(fake as never);
  const encrypt = published.find((p) => p.dimensions.Operation === 'Encrypt')!;
  assert.deepEqual(encrypt.metrics.Requests, [250]);
  assert.deepEqual(encrypt.metrics.Errors, [5]);
  assert.equal(encrypt.metrics.Latency!.length, 100);
  assert.deepEqual(published.find((p) => p.dimensions.Operation === 'Decrypt')!.metrics.Errors, [1]);
  assert.deepEqual(published.find((p) => !p.dimensions.Operation)!.metrics.PendingDeletionKeyUse, [3]);
  published.length = 0;
  aggregator.publish(fake as never);
  assert.equal(published.length, 0, 'nothing new, nothing published');
});
