/**
 * Metrics through Powertools (EMF lines, which CloudWatch turns into metrics in AWS): the local service
 * started by tests/run.ts publishes them every second into its log. A refused use of a key pending
 * deletion is counted as PendingDeletionKeyUse, the metric serverless.yml's alarm watches; every
 * operation gets Requests, Errors and Latency with an Operation dimension.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { expectKmsError, kms, utf8 } from './helpers.js';

const REGION = 'ca-central-1';

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

function emfLines(): Emf[] {
  const log = readFileSync(process.env.KMS_SERVICE_LOG!, 'utf8');
  const lines: Emf[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes('"CloudWatchMetrics"')) continue;
    try {
      lines.push(JSON.parse(line) as Emf);
    } catch {
      // a line still being written
    }
  }
  return lines;
}

async function waitFor<T>(find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 60; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('metric not published within 6 s');
}

test('use of a key pending deletion is counted as PendingDeletionKeyUse; operations get Requests, Errors, Latency', async () => {
  const client = kms(REGION);
  const keyId = (await client.createKey({})).KeyMetadata!.KeyId!;
  await client.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
  const before = emfLines().length;
  await expectKmsError(client.encrypt({ KeyId: keyId, Plaintext: utf8('late') }), 'KMSInvalidStateException');

  const pending = await waitFor(() =>
    emfLines()
      .slice(before)
      .find((line) => typeof line.PendingDeletionKeyUse === 'number'),
  );
  const [directive] = pending._aws.CloudWatchMetrics;
  assert.equal(directive!.Namespace, 'KMS');
  assert.deepEqual(directive!.Dimensions, [['service']], 'the dimensions the alarm names');
  assert.equal(pending.service, 'kms');
  assert.ok((pending.PendingDeletionKeyUse as number) >= 1);

  const encrypt = await waitFor(() => emfLines().find((line) => line.Operation === 'Encrypt' && typeof line.Errors === 'number' && (line.Errors as number) >= 1));
  assert.ok((encrypt.Requests as number) >= 1);
  const latency = encrypt.Latency;
  assert.ok(typeof latency === 'number' || Array.isArray(latency), 'latency samples');
  const names = encrypt._aws.CloudWatchMetrics[0]!.Metrics.map((m) => `${m.Name}:${m.Unit}`).sort();
  assert.deepEqual(names, ['Errors:Count', 'Latency:Milliseconds', 'Requests:Count']);
  await client.cancelKeyDeletion({ KeyId: keyId });
});
