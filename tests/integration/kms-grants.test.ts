/**
 * Grants through the SDK with several principals (tests/integration/principals.ts): CreateGrant,
 * ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant, grant tokens, constraints, child grants,
 * Name idempotency, validation, and the grant store's quota against DynamoDB Local.
 *
 * The default key policy admits every principal of the key's account (the account root stands for
 * them), so grants would be invisible on such a key. Most tests therefore use a key whose policy admits
 * only the account's root user (`restrictedKey`): anything alice or bob can do with it comes from a grant.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GrantListEntry, KMS } from '@aws-sdk/client-kms';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';
import { DynamoGrantStore } from '../../shared/store/dynamo-grant-store.js';
import type { GrantRecord } from '../../shared/grants/types.js';
import { ACCOUNT, assertNear, DRY_RUN_MESSAGE, expectKmsError, kms, rawCall, expectRawError, REGION, walkPages } from './helpers.js';
import { ACCOUNT_B, clientFor, PRINCIPALS } from './principals.js';

const root = () => kms();
const alice = () => clientFor('alice');
const bob = () => clientFor('bob');
const dave = () => clientFor('dave');
const ALICE = PRINCIPALS.alice.arn;
const BOB = PRINCIPALS.bob.arn;
const DAVE = PRINCIPALS.dave.arn;
const ROOT = PRINCIPALS.root.arn;
const GRANT_ID_RE = /^[0-9a-f]{64}$/;
const plaintext = Buffer.from('grants');
const finance = { Department: 'Finance', Classification: 'Public' };

/** A symmetric key whose policy admits only the root user of the account, so grants decide for the rest. */
async function restrictedKey() {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Only the account root user',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalArn': ROOT } },
      },
    ],
  });
  const { KeyMetadata } = await root().createKey({ Policy: policy, Description: `grants ${randomUUID()}` });
  return KeyMetadata!;
}

function denied(principalArn: string, action: string, keyArn: string) {
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${keyArn} because no resource-based policy allows the ${action} action`;
}

async function allGrants(client: KMS, keyId: string, limit?: number, filter: { GrantId?: string; GranteePrincipal?: string } = {}) {
  const { items } = await walkPages(async (marker) => {
    const out = await client.listGrants({ KeyId: keyId, Limit: limit, Marker: marker, ...filter });
    return { items: out.Grants, NextMarker: out.NextMarker, Truncated: out.Truncated };
  }, limit);
  return items;
}

describe('using a grant', () => {
  test('the grantee may do exactly the granted operations, and only within the constraint', async () => {
    const key = await restrictedKey();
    // Without a grant alice has no access: the policy admits only the root user.
    await expectKmsError(alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext }), 'AccessDeniedException', denied(ALICE, 'kms:Encrypt', key.Arn!));

    const created = await root().createGrant({
      KeyId: key.KeyId,
      GranteePrincipal: ALICE,
      Operations: ['Encrypt', 'Decrypt'],
      Constraints: { EncryptionContextSubset: finance },
    });
    assert.match(created.GrantId!, GRANT_ID_RE);
    assert.ok(created.GrantToken && created.GrantToken.length <= 8192);

    const withMore = { ...finance, Customer: '12345' };
    const { CiphertextBlob, KeyId } = await alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: withMore });
    assert.equal(KeyId, key.Arn);
    const decrypted = await alice().decrypt({ CiphertextBlob, EncryptionContext: withMore });
    assert.deepEqual(Buffer.from(decrypted.Plaintext!), plaintext);

    // Context that misses a pair, or differs in a value's case: no grant applies.
    const contexts: (Record<string, string> | undefined)[] = [{ Department: 'Finance' }, { Department: 'finance', Classification: 'Public' }, undefined];
    for (const context of contexts) {
      await expectKmsError(
        alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: context }),
        'AccessDeniedException',
        denied(ALICE, 'kms:Encrypt', key.Arn!),
      );
    }
    // Operations the grant does not name.
    await expectKmsError(alice().generateDataKey({ KeyId: key.Arn, KeySpec: 'AES_256', EncryptionContext: finance }), 'AccessDeniedException');
    await expectKmsError(alice().describeKey({ KeyId: key.Arn }), 'AccessDeniedException');
    await expectKmsError(alice().disableKey({ KeyId: key.Arn }), 'AccessDeniedException');
    await expectKmsError(alice().listGrants({ KeyId: key.Arn }), 'AccessDeniedException');
    // Another principal of the same account gets nothing from alice's grant.
    await expectKmsError(bob().encrypt({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: finance }), 'AccessDeniedException');
  });

  test('EncryptionContextEquals allows exactly that context', async () => {
    const key = await restrictedKey();
    await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['GenerateDataKey'], Constraints: { EncryptionContextEquals: finance } });
    const out = await alice().generateDataKey({ KeyId: key.Arn, KeySpec: 'AES_256', EncryptionContext: { Classification: 'Public', Department: 'Finance' } });
    assert.equal(out.Plaintext!.length, 32);
    await expectKmsError(
      alice().generateDataKey({ KeyId: key.Arn, KeySpec: 'AES_256', EncryptionContext: { ...finance, Extra: 'x' } }),
      'AccessDeniedException',
    );
  });

  test('a grant to a role is used by its sessions', async () => {
    const key = await restrictedKey();
    await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/app`, Operations: ['Encrypt', 'DescribeKey'] });
    const app = clientFor('app');
    assert.equal((await app.describeKey({ KeyId: key.Arn })).KeyMetadata!.Arn, key.Arn);
    await app.encrypt({ KeyId: key.Arn, Plaintext: plaintext });
    await expectKmsError(alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext }), 'AccessDeniedException');
  });

  test('a grant to another account\'s principal: used by key ARN, cross-account', async () => {
    const key = await restrictedKey();
    await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: DAVE, Operations: ['Encrypt', 'Decrypt'] });
    const { CiphertextBlob } = await dave().encrypt({ KeyId: key.Arn, Plaintext: plaintext });
    assert.deepEqual(Buffer.from((await dave().decrypt({ CiphertextBlob })).Plaintext!), plaintext);
    await expectKmsError(dave().describeKey({ KeyId: key.Arn }), 'AccessDeniedException');
    await expectKmsError(clientFor('carol').encrypt({ KeyId: key.Arn, Plaintext: plaintext }), 'AccessDeniedException');
  });

  test('a grant to an account root stands for the principals of that account (documented choice)', async () => {
    const key = await restrictedKey();
    await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT_B}:root`, Operations: ['Encrypt'] });
    await dave().encrypt({ KeyId: key.Arn, Plaintext: plaintext });
    await clientFor('carol').encrypt({ KeyId: key.Arn, Plaintext: plaintext });
    await expectKmsError(alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext }), 'AccessDeniedException');
  });
});

describe('grant tokens', () => {
  test('the grantee can use a new grant at once with its token; the token is useless to others and after revocation', async () => {
    const key = await restrictedKey();
    const { GrantId, GrantToken } = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt', 'Decrypt'] });
    const { CiphertextBlob } = await alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext, GrantTokens: [GrantToken!] });
    await alice().decrypt({ CiphertextBlob, GrantTokens: [GrantToken!] });
    await expectKmsError(bob().encrypt({ KeyId: key.Arn, Plaintext: plaintext, GrantTokens: [GrantToken!] }), 'AccessDeniedException');
    await expectKmsError(alice().generateDataKey({ KeyId: key.Arn, KeySpec: 'AES_256', GrantTokens: [GrantToken!] }), 'AccessDeniedException');

    await root().revokeGrant({ KeyId: key.KeyId, GrantId });
    await expectKmsError(alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext, GrantTokens: [GrantToken!] }), 'AccessDeniedException');
  });

  test('every CreateGrant returns a different token; a token for another key adds nothing', async () => {
    const key = await restrictedKey();
    const other = await restrictedKey();
    const a = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt'], Name: 'same' });
    const b = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt'], Name: 'same' });
    assert.equal(a.GrantId, b.GrantId);
    assert.notEqual(a.GrantToken, b.GrantToken);
    for (const token of [a.GrantToken!, b.GrantToken!]) await alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext, GrantTokens: [token] });
    await expectKmsError(alice().encrypt({ KeyId: other.Arn, Plaintext: plaintext, GrantTokens: [a.GrantToken!] }), 'AccessDeniedException');
  });

  test('a malformed or forged token is InvalidGrantTokenException', async () => {
    const key = await restrictedKey();
    const { GrantToken } = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt'] });
    const [version, payload, mac] = GrantToken!.split('.');
    const body = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const widened = Buffer.from(JSON.stringify({ ...body, o: ['Encrypt', 'Decrypt', 'ReEncryptFrom'] })).toString('base64url');
    for (const bad of ['garbage', `${version}.${widened}.${mac}`, `${version}.${payload}.${randomBytes(32).toString('base64url')}`]) {
      await expectKmsError(alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext, GrantTokens: [bad] }), 'InvalidGrantTokenException');
      await expectKmsError(root().retireGrant({ GrantToken: bad }), 'InvalidGrantTokenException');
    }
  });
});

describe('retiring and revoking', () => {
  test('the retiring principal retires; others may not; afterwards the grant allows nothing', async () => {
    const key = await restrictedKey();
    const { GrantId } = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, RetiringPrincipal: BOB, Operations: ['Encrypt'] });
    await alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext });
    // alice is the grantee, but the grant does not include RetireGrant; dave is of another account.
    await expectKmsError(alice().retireGrant({ KeyId: key.Arn, GrantId }), 'AccessDeniedException', denied(ALICE, 'kms:RetireGrant', key.Arn!));
    await expectKmsError(dave().retireGrant({ KeyId: key.Arn, GrantId }), 'AccessDeniedException');
    await expectKmsError(bob().retireGrant({ KeyId: key.Arn, GrantId, DryRun: true }), 'DryRunOperationException', DRY_RUN_MESSAGE);
    await alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext });

    await bob().retireGrant({ KeyId: key.Arn, GrantId });
    await expectKmsError(alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext }), 'AccessDeniedException');
    assert.equal((await allGrants(root(), key.KeyId!)).length, 0);
    await expectKmsError(bob().retireGrant({ KeyId: key.Arn, GrantId }), 'NotFoundException');
  });

  test('the root user of the account in which the grant was created may always retire it', async () => {
    const key = await restrictedKey();
    const { GrantId } = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: DAVE, RetiringPrincipal: DAVE, Operations: ['Encrypt'] });
    await expectKmsError(clientFor('carol').retireGrant({ KeyId: key.Arn, GrantId }), 'AccessDeniedException');
    await root().retireGrant({ KeyId: key.KeyId, GrantId });
    await expectKmsError(dave().encrypt({ KeyId: key.Arn, Plaintext: plaintext }), 'AccessDeniedException');
  });

  test('a grantee whose grant includes RetireGrant retires it with its token', async () => {
    const key = await restrictedKey();
    const { GrantToken } = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt', 'RetireGrant'] });
    await expectKmsError(bob().retireGrant({ GrantToken }), 'AccessDeniedException');
    await alice().retireGrant({ GrantToken });
    await expectKmsError(alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext, GrantTokens: [GrantToken!] }), 'AccessDeniedException');
    await expectKmsError(alice().retireGrant({ GrantToken }), 'NotFoundException');
  });

  test('a cross-account retiring principal retires by key ARN and grant id', async () => {
    const key = await restrictedKey();
    const { GrantId } = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, RetiringPrincipal: DAVE, Operations: ['Decrypt'] });
    await dave().retireGrant({ KeyId: key.Arn, GrantId });
    assert.equal((await allGrants(root(), key.KeyId!)).length, 0);
  });

  test('RevokeGrant needs kms:RevokeGrant; it removes the grant at once', async () => {
    const key = await restrictedKey();
    const { GrantId } = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt', 'RetireGrant'] });
    await expectKmsError(alice().revokeGrant({ KeyId: key.Arn, GrantId }), 'AccessDeniedException', denied(ALICE, 'kms:RevokeGrant', key.Arn!));
    await expectKmsError(root().revokeGrant({ KeyId: key.KeyId, GrantId, DryRun: true }), 'DryRunOperationException', DRY_RUN_MESSAGE);
    await alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext });
    await root().revokeGrant({ KeyId: key.KeyId, GrantId });
    await expectKmsError(alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext }), 'AccessDeniedException');
    await expectKmsError(root().revokeGrant({ KeyId: key.KeyId, GrantId }), 'NotFoundException', `Grant ID ${GrantId} not found`);
  });

  test('unknown and malformed grant ids, and RetireGrant without a grant', async () => {
    const key = await restrictedKey();
    const unknown = randomBytes(32).toString('hex');
    await expectKmsError(root().revokeGrant({ KeyId: key.KeyId, GrantId: unknown }), 'NotFoundException');
    await expectKmsError(root().retireGrant({ KeyId: key.Arn, GrantId: unknown }), 'NotFoundException');
    await expectKmsError(root().revokeGrant({ KeyId: key.KeyId, GrantId: 'not-a-grant-id' }), 'InvalidGrantIdException');
    await expectKmsError(root().retireGrant({ KeyId: key.Arn, GrantId: 'not-a-grant-id' }), 'InvalidGrantIdException');
    await expectKmsError(root().listGrants({ KeyId: key.KeyId, GrantId: 'x' }), 'InvalidGrantIdException');
    await expectKmsError(root().retireGrant({}), 'ValidationException');
    await expectKmsError(root().retireGrant({ GrantId: unknown }), 'ValidationException');
    await expectKmsError(root().revokeGrant({ KeyId: randomUUID(), GrantId: unknown }), 'NotFoundException');
    // A grant id of another key is not found under this key.
    const other = await restrictedKey();
    const { GrantId } = await root().createGrant({ KeyId: other.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt'] });
    await expectKmsError(root().revokeGrant({ KeyId: key.KeyId, GrantId }), 'NotFoundException');
  });
});

describe('listing grants', () => {
  test('ListGrants entries as AWS returns them, with GrantId and GranteePrincipal filters', async () => {
    const key = await restrictedKey();
    const before = Date.now();
    const named = await root().createGrant({
      KeyId: key.KeyId,
      GranteePrincipal: ALICE,
      RetiringPrincipal: BOB,
      Operations: ['Encrypt', 'Decrypt', 'Encrypt'],
      Constraints: { EncryptionContextSubset: finance },
      Name: 'app-grant_1:/x',
    });
    const plain = await root().createGrant({ KeyId: key.Arn, GranteePrincipal: DAVE, Operations: ['DescribeKey'] });

    const grants = await allGrants(root(), key.KeyId!);
    assert.equal(grants.length, 2);
    const entry = grants.find((g) => g.GrantId === named.GrantId)!;
    assert.equal(entry.KeyId, key.Arn);
    assert.equal(entry.Name, 'app-grant_1:/x');
    assertNear(entry.CreationDate, before, 60_000, 'CreationDate');
    assert.equal(entry.GranteePrincipal, ALICE);
    assert.equal(entry.RetiringPrincipal, BOB);
    assert.equal(entry.IssuingAccount, `arn:aws:iam::${ACCOUNT}:root`);
    assert.deepEqual(entry.Operations, ['Encrypt', 'Decrypt']);
    assert.deepEqual(entry.Constraints, { EncryptionContextSubset: finance });
    const other = grants.find((g) => g.GrantId === plain.GrantId)!;
    assert.equal(other.Name, undefined);
    assert.equal(other.RetiringPrincipal, undefined);
    assert.equal(other.Constraints, undefined);

    assert.deepEqual((await allGrants(root(), key.KeyId!, undefined, { GrantId: plain.GrantId })).map((g) => g.GrantId), [plain.GrantId]);
    assert.deepEqual((await allGrants(root(), key.Arn!, undefined, { GranteePrincipal: ALICE })).map((g) => g.GrantId), [named.GrantId]);
    assert.deepEqual(await allGrants(root(), key.KeyId!, undefined, { GranteePrincipal: BOB }), []);
    assert.deepEqual(await allGrants(root(), key.KeyId!, undefined, { GrantId: randomBytes(32).toString('hex') }), []);
  });

  test('ListGrants pages with Limit and Marker', async () => {
    const key = await restrictedKey();
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) {
      const grantee = i % 2 === 0 ? ALICE : BOB;
      ids.add((await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: grantee, Operations: ['Encrypt'] })).GrantId!);
    }
    for (const limit of [1, 3, 7, 100, undefined]) {
      const grants = await allGrants(root(), key.KeyId!, limit);
      assert.deepEqual(new Set(grants.map((g) => g.GrantId)), ids, `Limit ${limit}`);
      assert.equal(grants.length, 7);
    }
    const ofAlice = await allGrants(root(), key.KeyId!, 2, { GranteePrincipal: ALICE });
    assert.equal(ofAlice.length, 4);
    assert.ok(ofAlice.every((g: GrantListEntry) => g.GranteePrincipal === ALICE));
    const first = await root().listGrants({ KeyId: key.KeyId, Limit: 3 });
    assert.equal(first.Grants!.length, 3);
    assert.equal(first.Truncated, true);
    await expectKmsError(root().listGrants({ KeyId: key.KeyId, Limit: 101 }), 'ValidationException');
    await expectKmsError(root().listGrants({ KeyId: key.KeyId, Marker: 'bm90LWEtbWFya2Vy' }), 'InvalidMarkerException');
  });

  test('ListRetirableGrants lists the grants a principal of the caller\'s account may retire', async () => {
    const key1 = await restrictedKey();
    const key2 = await restrictedKey();
    const g1 = await root().createGrant({ KeyId: key1.KeyId, GranteePrincipal: ALICE, RetiringPrincipal: BOB, Operations: ['Encrypt'] });
    const g2 = await root().createGrant({ KeyId: key2.KeyId, GranteePrincipal: DAVE, RetiringPrincipal: BOB, Operations: ['Decrypt'] });
    await root().createGrant({ KeyId: key2.KeyId, GranteePrincipal: DAVE, RetiringPrincipal: ALICE, Operations: ['Decrypt'] });

    // Other test files may have grants retirable by bob too: look for ours among all of them.
    const { items } = await walkPages(async (marker) => {
      const out = await bob().listRetirableGrants({ RetiringPrincipal: BOB, Limit: 1, Marker: marker });
      return { items: out.Grants, NextMarker: out.NextMarker, Truncated: out.Truncated };
    }, 1);
    const ours = items.filter((g) => g.GrantId === g1.GrantId || g.GrantId === g2.GrantId);
    assert.equal(ours.length, 2);
    assert.ok(items.every((g) => g.RetiringPrincipal === BOB));
    const e2 = ours.find((g) => g.GrantId === g2.GrantId)!;
    assert.equal(e2.KeyId, key2.Arn);
    assert.equal(e2.GranteePrincipal, DAVE);

    // Any principal of the account may list for a principal of that account, none for another account's.
    assert.ok((await alice().listRetirableGrants({ RetiringPrincipal: BOB })).Grants!.some((g) => g.GrantId === g1.GrantId));
    await expectKmsError(alice().listRetirableGrants({ RetiringPrincipal: DAVE }), 'AccessDeniedException');
    await expectKmsError(root().listRetirableGrants({}), 'ValidationException');
    await expectKmsError(root().listRetirableGrants({ RetiringPrincipal: BOB, Limit: 101 }), 'ValidationException');
  });
});

describe('creating grants', () => {
  test('Name makes CreateGrant idempotent for identical parameters only', async () => {
    const key = await restrictedKey();
    const input = { KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt', 'Decrypt'] as const, Constraints: { EncryptionContextSubset: finance } };
    const first = await root().createGrant({ ...input, Operations: [...input.Operations], Name: 'retry-safe' });
    // Same parameters (operations and pairs in another order, key named by ARN): the same grant.
    const again = await root().createGrant({
      ...input,
      KeyId: key.Arn,
      Operations: ['Decrypt', 'Encrypt'],
      Constraints: { EncryptionContextSubset: { Classification: 'Public', Department: 'Finance' } },
      Name: 'retry-safe',
    });
    assert.equal(again.GrantId, first.GrantId);
    assert.notEqual(again.GrantToken, first.GrantToken);
    // Different parameters under the same name: another grant. No name: always another grant.
    const different = await root().createGrant({ ...input, Operations: ['Encrypt'], Name: 'retry-safe' });
    assert.notEqual(different.GrantId, first.GrantId);
    const unnamed1 = await root().createGrant({ ...input, Operations: ['Encrypt'] });
    const unnamed2 = await root().createGrant({ ...input, Operations: ['Encrypt'] });
    assert.notEqual(unnamed1.GrantId, unnamed2.GrantId);
    assert.equal((await allGrants(root(), key.KeyId!)).length, 4);
    // Once retired, the name with the same parameters makes a new grant.
    await root().revokeGrant({ KeyId: key.KeyId, GrantId: first.GrantId });
    const renewed = await root().createGrant({ ...input, Operations: [...input.Operations], Name: 'retry-safe' });
    assert.notEqual(renewed.GrantId, first.GrantId);
  });

  test('a grant with CreateGrant lets its grantee make equally strict or stricter grants only', async () => {
    const key = await restrictedKey();
    const { GrantToken } = await root().createGrant({
      KeyId: key.KeyId,
      GranteePrincipal: ALICE,
      Operations: ['Encrypt', 'Decrypt', 'CreateGrant'],
      Constraints: { EncryptionContextSubset: { app: 'payroll' } },
    });
    const strict = { app: 'payroll', user: 'bob' };
    await alice().createGrant({
      KeyId: key.Arn,
      GranteePrincipal: BOB,
      Operations: ['Decrypt'],
      Constraints: { EncryptionContextSubset: strict },
      GrantTokens: [GrantToken!],
    });
    const { CiphertextBlob } = await alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: strict });
    assert.deepEqual(Buffer.from((await bob().decrypt({ CiphertextBlob, EncryptionContext: strict })).Plaintext!), plaintext);
    await expectKmsError(bob().encrypt({ KeyId: key.Arn, Plaintext: plaintext, EncryptionContext: strict }), 'AccessDeniedException');

    const broader = [
      { Operations: ['Decrypt'] },
      { Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { user: 'bob' } } },
      { Operations: ['GenerateDataKey'], Constraints: { EncryptionContextSubset: { app: 'payroll' } } },
    ] as const;
    for (const grant of broader) {
      await expectKmsError(
        alice().createGrant({ KeyId: key.Arn, GranteePrincipal: BOB, ...grant, Operations: [...grant.Operations] }),
        'AccessDeniedException',
        denied(ALICE, 'kms:CreateGrant', key.Arn!),
      );
    }
    // The Equals form of the same pairs is stricter, so allowed.
    await alice().createGrant({ KeyId: key.Arn, GranteePrincipal: BOB, Operations: ['Encrypt'], Constraints: { EncryptionContextEquals: { app: 'payroll' } } });
  });

  test('DryRun checks everything and creates nothing', async () => {
    const key = await restrictedKey();
    await expectKmsError(
      root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt'], DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
    assert.equal((await allGrants(root(), key.KeyId!)).length, 0);
    await expectKmsError(alice().createGrant({ KeyId: key.Arn, GranteePrincipal: ALICE, Operations: ['Encrypt'], DryRun: true }), 'AccessDeniedException');
    await expectKmsError(root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Sign'], DryRun: true }), 'ValidationException');
  });

  test('validation', async () => {
    const key = await restrictedKey();
    const base = { KeyId: key.KeyId, GranteePrincipal: ALICE };
    await expectKmsError(root().createGrant({ ...base, Operations: ['CreateGrant'] }), 'ValidationException', 'Grants must not contain only the CreateGrant operation.');
    await expectKmsError(root().createGrant({ ...base, Operations: [] }), 'ValidationException');
    await expectKmsError(root().createGrant({ ...base, Operations: ['Sign'] }), 'ValidationException');
    await expectKmsError(root().createGrant({ ...base, Operations: ['Encrypt', 'GetPublicKey'] }), 'ValidationException');
    await expectKmsError(root().createGrant({ KeyId: key.KeyId, Operations: ['Encrypt'] }), 'ValidationException');
    await expectKmsError(
      root().createGrant({ ...base, GranteeServicePrincipal: 'logs.us-east-1.amazonaws.com', Operations: ['Encrypt'] }),
      'ValidationException',
    );
    await expectKmsError(
      root().createGrant({ KeyId: key.KeyId, GranteeServicePrincipal: 'logs.us-east-1.amazonaws.com', Operations: ['Encrypt'] }),
      'ValidationException',
    );
    await expectKmsError(root().createGrant({ ...base, RetiringPrincipal: BOB, RetiringServicePrincipal: 'logs.us-east-1.amazonaws.com', Operations: ['Encrypt'] }), 'ValidationException');
    await expectKmsError(root().createGrant({ ...base, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:group/admins`, Operations: ['Encrypt'] }), 'InvalidArnException');
    await expectKmsError(root().createGrant({ ...base, RetiringPrincipal: 'bob', Operations: ['Encrypt'] }), 'InvalidArnException');
    await expectKmsError(
      root().createGrant({ ...base, Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: { a: 'b' }, EncryptionContextEquals: { a: 'b' } } }),
      'ValidationException',
    );
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
    await expectKmsError(root().createGrant({ ...base, Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: nine } }), 'ValidationException');
    await expectKmsError(
      root().createGrant({ ...base, Operations: ['Encrypt'], Constraints: { EncryptionContextEquals: { k: 'v'.repeat(400) } } }),
      'ValidationException',
    );
    await expectKmsError(root().createGrant({ ...base, Operations: ['Encrypt'], Name: 'has space' }), 'ValidationException');
    // The model's enum, checked by the dispatcher.
    expectRawError(await rawCall('CreateGrant', { ...base, Operations: ['ScheduleKeyDeletion'] }), 'ValidationException');
    // Key ids only (no alias); unknown keys.
    await expectKmsError(root().createGrant({ ...base, KeyId: 'alias/aws/s3', Operations: ['Encrypt'] }), 'NotFoundException');
    await expectKmsError(root().createGrant({ ...base, KeyId: randomUUID(), Operations: ['Encrypt'] }), 'NotFoundException');
    assert.equal((await allGrants(root(), key.KeyId!)).length, 0, 'no failed request created a grant');
  });

  test('key states: no new grants on a disabled key; listing and revoking still work', async () => {
    const key = await restrictedKey();
    const { GrantId } = await root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt'] });
    await root().disableKey({ KeyId: key.KeyId });
    await expectKmsError(root().createGrant({ KeyId: key.KeyId, GranteePrincipal: ALICE, Operations: ['Encrypt'] }), 'DisabledException', `${key.Arn} is disabled.`);
    await expectKmsError(alice().encrypt({ KeyId: key.Arn, Plaintext: plaintext }), 'DisabledException');
    assert.equal((await allGrants(root(), key.KeyId!)).length, 1);
    await root().revokeGrant({ KeyId: key.KeyId, GrantId });
  });
});

describe('grant store (DynamoDB Local)', () => {
  function store(): DynamoGrantStore {
    const endpoint = process.env.KMS_DYNAMODB_ENDPOINT;
    assert.ok(endpoint, 'KMS_DYNAMODB_ENDPOINT is not set (npm test sets it)');
    const client = new DynamoDBClient({ endpoint, region: REGION, credentials: DYNAMODB_LOCAL_CREDENTIALS });
    const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    return new DynamoGrantStore(db, process.env.KMS_TABLE_NAME || 'kms', REGION);
  }

  function grant(keyId: string, extra: Partial<GrantRecord> = {}): GrantRecord {
    return {
      grantId: randomBytes(32).toString('hex'),
      keyId,
      keyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`,
      region: REGION,
      keyAccount: ACCOUNT,
      issuingAccount: ACCOUNT,
      creationDate: Date.now(),
      granteePrincipal: ALICE,
      operations: ['Encrypt'],
      ...extra,
    };
  }

  test('the per-key quota holds, also under racing creations, and frees up on removal', async () => {
    const s = store();
    const keyId = randomUUID();
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => s.createGrant(grant(keyId), 3)));
    assert.equal(outcomes.filter((o) => o.kind === 'created').length, 3);
    assert.equal(outcomes.filter((o) => o.kind === 'limit').length, 3);
    const { items } = await s.listGrants(keyId, 10);
    assert.equal(items.length, 3);
    await s.deleteGrant(items[0]!, 'Retired', Date.now());
    assert.deepEqual(await s.createGrant(grant(keyId), 3), { kind: 'created' });
    assert.deepEqual(await s.createGrant(grant(keyId), 3), { kind: 'limit' });
  });

  test('racing removals: exactly one wins, and a tombstone stays', async () => {
    const s = store();
    const keyId = randomUUID();
    const g = grant(keyId, { name: 'n', nameKey: 'digest' });
    assert.deepEqual(await s.createGrant(g, 10), { kind: 'created' });
    assert.deepEqual(await s.createGrant({ ...grant(keyId), name: 'n', nameKey: 'digest' }, 10), { kind: 'exists', grantId: g.grantId });
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => s.deleteGrant(g, 'Revoked', 1)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(await s.getGrant(keyId, g.grantId), undefined);
    assert.deepEqual(await s.getTombstone(keyId, g.grantId), { grantId: g.grantId, keyId, removal: 'Revoked', removedAt: 1 });
    assert.deepEqual(await s.grantsForMatchKeys(keyId, ['principal:' + ALICE]), []);
    // The name is free again.
    assert.deepEqual(await s.createGrant({ ...grant(keyId), name: 'n', nameKey: 'digest' }, 10), { kind: 'created' });
  });
});

describe('grant constraints with an empty map (as Terraform\'s aws_kms_grant sends the unused one)', () => {
  test('an empty EncryptionContextEquals beside a non-empty EncryptionContextSubset counts as absent', async () => {
    const { KeyMetadata } = await root().createKey({});
    const created = await root().createGrant({
      KeyId: KeyMetadata!.KeyId,
      GranteePrincipal: DAVE,
      Operations: ['Encrypt'],
      Constraints: { EncryptionContextSubset: { Dept: 'Fin' }, EncryptionContextEquals: {} },
    });
    const listed = (await allGrants(root(), KeyMetadata!.KeyId!)).find((grant) => grant.GrantId === created.GrantId);
    assert.deepEqual(listed?.Constraints, { EncryptionContextSubset: { Dept: 'Fin' } });
    // Both non-empty is still refused.
    await expectKmsError(
      root().createGrant({
        KeyId: KeyMetadata!.KeyId,
        GranteePrincipal: DAVE,
        Operations: ['Encrypt'],
        Constraints: { EncryptionContextSubset: { Dept: 'Fin' }, EncryptionContextEquals: { Dept: 'Fin' } },
      }),
      'ValidationException',
    );
  });
});
