/**
 * Grant tokens (forgery, tampering, wrong key, malformed input) and the pure grant rules they carry:
 * principal matching, constraints, child-grant strictness, limits, item keys and the grant cache.
 * No network, no database.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CachedGrantStore } from '../../shared/store/cached-grant-store.js';
import { authorizingGrants, grantAllows, TOKEN_AUTHORITY_MS, verifyGrantTokens } from '../../shared/grants/grant-check.js';
import type { GrantOperation } from '../../shared/grants/types.js';
import {
  deriveGrantTokenKey,
  GrantTokenSigner,
  issueGrantToken,
  MAX_TOKEN_LENGTH,
  verifyGrantToken,
  type GrantTokenClaims,
} from '../../shared/grants/grant-token.js';
import { grantItem, granteeItem, granteePrefix, prefixRange } from '../../shared/store/grant-item-keys.js';
import {
  atLeastAsStrict,
  callerIsAccountRoot,
  callerMatchKeys,
  constraintsAllow,
  grantAllowsRequest,
  grantNameKey,
  granteeMatchKey,
  grantOperationsFor,
  parsePrincipalArn,
  principalMatches,
  validateConstraints,
} from '../../shared/grants/rules.js';
import type { GrantStore } from '../../shared/store/grant-store.js';
import type { GrantRecord, GrantTombstone } from '../../shared/grants/types.js';
import type { KeyRecord } from '../../shared/core/types.js';
import type { OperationContext } from '../../shared/context/operation-context.js';
import { KmsError } from '../../shared/errors.js';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-44cd-96ef-1234567890ab';
const claims: GrantTokenClaims = {
  grantId: 'a'.repeat(64),
  keyArn: KEY_ARN,
  granteePrincipal: 'arn:aws:iam::111122223333:user/alice',
  operations: ['Encrypt', 'Decrypt'],
  constraints: { EncryptionContextSubset: { Department: 'Finance' } },
  issuedAt: 1_700_000_000_000,
};

function expectInvalid(run: () => unknown, why: string): void {
  assert.throws(
    run,
    (error: unknown) => error instanceof KmsError && error.type === 'InvalidGrantTokenException' && error.statusCode === 400,
    why,
  );
}

/** Splits a token into its three dot-separated parts. */
function parts(token: string): [string, string, string] {
  const [version, payload, mac] = token.split('.');
  return [version!, payload!, mac!];
}

describe('grant tokens', () => {
  const key = deriveGrantTokenKey(randomBytes(32));

  test('a token carries its grant and verifies under the key that issued it', () => {
    const token = issueGrantToken(key, claims, randomBytes(16));
    assert.match(token, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(verifyGrantToken(key, token), claims);
  });

  test('every token is different, even for the same grant', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => issueGrantToken(key, claims, randomBytes(16))));
    assert.equal(tokens.size, 50);
    for (const token of tokens) assert.equal(verifyGrantToken(key, token).grantId, claims.grantId);
  });

  test('a token issued under another root key is refused', () => {
    const token = issueGrantToken(key, claims, randomBytes(16));
    expectInvalid(() => verifyGrantToken(deriveGrantTokenKey(randomBytes(32)), token), 'other root key');
  });

  test('the MAC key is derived: not the root key itself, different per root key, stable for one', () => {
    const root = randomBytes(32);
    const derived = deriveGrantTokenKey(root);
    assert.equal(derived.length, 32);
    assert.ok(!derived.equals(root));
    assert.ok(derived.equals(deriveGrantTokenKey(Buffer.from(root))));
    assert.ok(!derived.equals(deriveGrantTokenKey(randomBytes(32))));
    // A token MACed with the raw root key (a confused implementation) is not accepted.
    const [, payload] = parts(issueGrantToken(derived, claims, randomBytes(16)));
    const rawMac = createHmac('sha256', root).update('kms-grant-token-v1\u0000').update(payload).digest('base64url');
    expectInvalid(() => verifyGrantToken(derived, `v1.${payload}.${rawMac}`), 'MAC under the root key');
  });

  test('tampering with the payload is detected', () => {
    const token = issueGrantToken(key, claims, randomBytes(16));
    const [version, payload, mac] = parts(token);
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const widened = [
      { ...body, o: [...body.o, 'ReEncryptFrom'] },
      { ...body, p: 'arn:aws:iam::111122223333:user/mallory' },
      { ...body, c: undefined },
      { ...body, k: KEY_ARN.replace('us-east-1', 'eu-west-1') },
      { ...body, t: Date.now() },
    ];
    for (const changed of widened) {
      const forged = Buffer.from(JSON.stringify(changed), 'utf8').toString('base64url');
      expectInvalid(() => verifyGrantToken(key, `${version}.${forged}.${mac}`), `changed payload ${JSON.stringify(changed)}`);
    }
    // Flipping any single character of the payload or MAC breaks it.
    for (let i = 0; i < token.length; i += 7) {
      if (token[i] === '.') continue;
      const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      if (flipped === token) continue;
      expectInvalid(() => verifyGrantToken(key, flipped), `flipped character ${i}`);
    }
  });

  test('forged tokens are refused', () => {
    const payload = Buffer.from(JSON.stringify({ g: 'b'.repeat(64), k: KEY_ARN, o: ['Decrypt'], t: 0, p: 'x', n: 'x' })).toString('base64url');
    expectInvalid(() => verifyGrantToken(key, `v1.${payload}.${randomBytes(32).toString('base64url')}`), 'random MAC');
    // Another token's MAC on this payload.
    const [, , otherMac] = parts(issueGrantToken(key, claims, randomBytes(16)));
    expectInvalid(() => verifyGrantToken(key, `v1.${payload}.${otherMac}`), 'MAC of another token');
    // A MAC over the payload without the version label.
    const unlabeled = createHmac('sha256', key).update(payload).digest('base64url');
    expectInvalid(() => verifyGrantToken(key, `v1.${payload}.${unlabeled}`), 'MAC without label');
  });

  test('malformed tokens are InvalidGrantTokenException, never another error', () => {
    const good = issueGrantToken(key, claims, randomBytes(16));
    const [, payload, mac] = parts(good);
    const malformed = [
      '',
      'x',
      'v1',
      'v1..',
      `v2.${payload}.${mac}`,
      `v1.${payload}`,
      `v1.${payload}.${mac}.extra`,
      `v1.${payload}.${mac.slice(1)}`,
      `v1.${payload}=.${mac}`,
      `v1.${payload}.${mac}=`,
      `V1.${payload}.${mac}`,
      ` ${good}`,
      `${good}\n`,
      'v1.' + 'A'.repeat(MAX_TOKEN_LENGTH) + `.${mac}`,
      Buffer.from(good).toString('base64'),
    ];
    for (const token of malformed) expectInvalid(() => verifyGrantToken(key, token), `malformed ${JSON.stringify(token.slice(0, 40))}`);
  });

  test('an authentic MAC over a payload that is not a grant is still refused', () => {
    const label = 'kms-grant-token-v1\u0000';
    const sign = (text: string) => {
      const payload = Buffer.from(text, 'utf8').toString('base64url');
      return `v1.${payload}.${createHmac('sha256', key).update(label).update(payload).digest('base64url')}`;
    };
    const base = { g: 'c'.repeat(64), k: KEY_ARN, o: ['Decrypt'], t: 1, p: 'arn:aws:iam::111122223333:user/alice', n: 'x' };
    assert.equal(verifyGrantToken(key, sign(JSON.stringify(base))).grantId, 'c'.repeat(64), 'the crafted baseline is valid');
    const bad = [
      'not json',
      '[]',
      'null',
      JSON.stringify({ ...base, g: 'short' }),
      JSON.stringify({ ...base, o: ['Decrypt', 'ScheduleKeyDeletion'] }),
      JSON.stringify({ ...base, o: 'Decrypt' }),
      JSON.stringify({ ...base, k: 'key' }),
      JSON.stringify({ ...base, t: 'yesterday' }),
      JSON.stringify({ ...base, p: undefined }),
      JSON.stringify({ ...base, s: 'svc.amazonaws.com' }),
      JSON.stringify({ ...base, c: { EncryptionContextSubset: { a: 1 } } }),
      JSON.stringify({ ...base, c: 'x' }),
    ];
    for (const text of bad) expectInvalid(() => verifyGrantToken(key, sign(text)), `payload ${text}`);
  });

  test('the signer derives its key once and tries again after a failed root-key fetch', async () => {
    let calls = 0;
    const root = randomBytes(32);
    const signer = new GrantTokenSigner(async () => {
      calls++;
      if (calls === 1) throw new Error('secret unavailable');
      return root;
    });
    await assert.rejects(signer.issue(claims, randomBytes(16)), /secret unavailable/);
    const token = await signer.issue(claims, randomBytes(16));
    assert.deepEqual(await signer.verify(token), claims);
    await signer.verify(token);
    assert.equal(calls, 2);
    assert.deepEqual(verifyGrantToken(deriveGrantTokenKey(root), token), claims);
    await assert.rejects(signer.verify('garbage'), (e: unknown) => e instanceof KmsError && e.type === 'InvalidGrantTokenException');
  });
});

describe('grant principals', () => {
  const alice = { principalArn: 'arn:aws:iam::111122223333:user/alice', account: '111122223333' };
  const session = { principalArn: 'arn:aws:sts::111122223333:assumed-role/app/app-session', account: '111122223333' };
  const dave = { principalArn: 'arn:aws:iam::444455556666:user/dave', account: '444455556666' };

  test('principal ARNs are parsed; anything else is not a principal', () => {
    assert.deepEqual(parsePrincipalArn('arn:aws:iam::111122223333:root'), { partition: 'aws', account: '111122223333', kind: 'root', roleName: undefined });
    assert.equal(parsePrincipalArn('arn:aws:iam::111122223333:role/service-role/app')?.roleName, 'app');
    assert.equal(parsePrincipalArn('arn:aws:sts::111122223333:assumed-role/app/s1')?.roleName, 'app');
    assert.equal(parsePrincipalArn('arn:aws:iam::111122223333:user/engineering/bob')?.kind, 'user');
    for (const bad of ['111122223333', 'arn:aws:sts::111122223333:user/alice', 'arn:aws:iam::111122223333:assumed-role/app/s',
      'arn:aws:iam::1111:user/a', 'arn:aws:iam::111122223333:group/g', 'arn:aws:iam::111122223333:root/x', 'kms.amazonaws.com']) {
      assert.equal(parsePrincipalArn(bad), undefined, bad);
    }
  });

  test('exact ARN, a role for its sessions (path ignored), an account root for its principals', () => {
    assert.ok(principalMatches(alice.principalArn, alice));
    assert.ok(!principalMatches('arn:aws:iam::111122223333:user/bob', alice));
    assert.ok(principalMatches('arn:aws:iam::111122223333:role/app', session));
    assert.ok(principalMatches('arn:aws:iam::111122223333:role/service-role/app', session));
    assert.ok(!principalMatches('arn:aws:iam::111122223333:role/other', session));
    assert.ok(!principalMatches('arn:aws:iam::444455556666:role/app', session), 'same role name, other account');
    assert.ok(principalMatches(session.principalArn, session));
    assert.ok(!principalMatches('arn:aws:sts::111122223333:assumed-role/app/other-session', session));
    assert.ok(!principalMatches('arn:aws:iam::111122223333:role/app', alice));
    // The documented decision: an account root stands for the account's principals.
    assert.ok(principalMatches('arn:aws:iam::111122223333:root', alice));
    assert.ok(principalMatches('arn:aws:iam::111122223333:root', session));
    assert.ok(principalMatches('arn:aws:iam::444455556666:root', dave));
    assert.ok(!principalMatches('arn:aws:iam::444455556666:root', alice));
    assert.ok(!principalMatches(undefined, alice));
  });

  test("RetireGrant's account fallback is the account's root user only", () => {
    assert.ok(callerIsAccountRoot({ principalArn: 'arn:aws:iam::111122223333:root', account: '111122223333' }, '111122223333'));
    assert.ok(!callerIsAccountRoot(alice, '111122223333'));
    assert.ok(!callerIsAccountRoot(session, '111122223333'));
    assert.ok(!callerIsAccountRoot({ principalArn: 'arn:aws:iam::444455556666:root', account: '444455556666' }, '111122223333'));
  });

  test('lookup keys: every grantee a caller matches is among the caller match keys', () => {
    const keys = callerMatchKeys(session);
    for (const grantee of ['arn:aws:iam::111122223333:role/x/app', 'arn:aws:iam::111122223333:root', session.principalArn]) {
      assert.ok(keys.includes(granteeMatchKey({ principal: grantee })), grantee);
    }
    assert.ok(!callerMatchKeys(alice).includes(granteeMatchKey({ servicePrincipal: 'logs.amazonaws.com' })));
  });
});

describe('grant constraints and operations', () => {
  const subset = { EncryptionContextSubset: { Department: 'Finance', Classification: 'Public' } };
  const equals = { EncryptionContextEquals: { Department: 'Finance' } };
  const allow = (constraints: object | undefined, operation: GrantOperation, context?: Record<string, string>) =>
    constraintsAllow(constraints, { operation, encryptionContext: context });

  test("EncryptionContextSubset: the developer guide's examples", () => {
    assert.ok(allow(subset, 'Decrypt', { Department: 'Finance', Classification: 'Public' }));
    assert.ok(allow(subset, 'Decrypt', { Classification: 'Public', Department: 'Finance' }));
    assert.ok(allow(subset, 'GenerateDataKey', { Customer: '12345', Department: 'Finance', Classification: 'Public', Purpose: 'Test' }));
    assert.ok(!allow(subset, 'Decrypt', { Department: 'Finance' }));
    assert.ok(!allow(subset, 'Decrypt', { department: 'finance', classification: 'public' }), 'values are case sensitive');
    assert.ok(!allow(subset, 'Decrypt', { Classification: 'Public', Customer: '12345' }));
    assert.ok(!allow(subset, 'Encrypt', undefined));
    // In a constraint, keys are not case sensitive (API reference, GrantConstraints).
    assert.ok(allow(subset, 'Encrypt', { department: 'Finance', CLASSIFICATION: 'Public' }));
  });

  test('EncryptionContextEquals: exactly the pairs, in any order', () => {
    assert.ok(allow(equals, 'Encrypt', { Department: 'Finance' }));
    assert.ok(allow(equals, 'Encrypt', { department: 'Finance' }));
    assert.ok(!allow(equals, 'Encrypt', { Department: 'Finance', Extra: 'x' }));
    assert.ok(!allow(equals, 'Encrypt', {}));
    assert.ok(allow({ EncryptionContextEquals: {} }, 'Encrypt', undefined));
    assert.ok(!allow({ EncryptionContextEquals: {} }, 'Encrypt', { a: 'b' }));
  });

  test('context constraints do not apply to DescribeKey, RetireGrant or CreateGrant; SourceArn blocks all but RetireGrant', () => {
    for (const op of ['DescribeKey', 'RetireGrant', 'CreateGrant'] as const) assert.ok(allow(subset, op, undefined), op);
    const sourceArn = { SourceArn: 'arn:aws:s3:us-east-1:111122223333:bucket' };
    assert.ok(!allow(sourceArn, 'Decrypt', {}));
    assert.ok(!allow(sourceArn, 'DescribeKey', {}));
    assert.ok(allow(sourceArn, 'RetireGrant', undefined));
  });

  test('a grant allows its grantee exactly its operations', () => {
    const grant = { principal: 'arn:aws:iam::111122223333:user/alice', operations: ['Encrypt'] as GrantOperation[], constraints: equals };
    const alice = { principalArn: 'arn:aws:iam::111122223333:user/alice', account: '111122223333' };
    const bob = { principalArn: 'arn:aws:iam::111122223333:user/bob', account: '111122223333' };
    assert.ok(grantAllowsRequest(grant, alice, { operation: 'Encrypt', encryptionContext: { Department: 'Finance' } }));
    assert.ok(!grantAllowsRequest(grant, alice, { operation: 'Decrypt', encryptionContext: { Department: 'Finance' } }));
    assert.ok(!grantAllowsRequest(grant, alice, { operation: 'Encrypt', encryptionContext: { Department: 'HR' } }));
    assert.ok(!grantAllowsRequest(grant, bob, { operation: 'Encrypt', encryptionContext: { Department: 'Finance' } }));
    const service = { servicePrincipal: 'logs.amazonaws.com', operations: ['Encrypt'] as GrantOperation[] };
    assert.ok(!grantAllowsRequest(service, alice, { operation: 'Encrypt' }), 'a service grantee is no caller of ours');
  });

  test('child grants must be at least as strict as the grant that allowed CreateGrant', () => {
    const ops = (...o: GrantOperation[]) => o;
    const parent = { operations: ops('Decrypt', 'GenerateDataKey', 'CreateGrant'), constraints: { EncryptionContextSubset: { a: '1' } } };
    assert.ok(atLeastAsStrict({ operations: ops('Decrypt'), constraints: { EncryptionContextSubset: { a: '1' } } }, parent));
    assert.ok(atLeastAsStrict({ operations: ops('Decrypt'), constraints: { EncryptionContextSubset: { A: '1', b: '2' } } }, parent));
    assert.ok(atLeastAsStrict({ operations: ops('Decrypt'), constraints: { EncryptionContextEquals: { a: '1', b: '2' } } }, parent));
    assert.ok(!atLeastAsStrict({ operations: ops('Decrypt'), constraints: { EncryptionContextSubset: { b: '2' } } }, parent));
    assert.ok(!atLeastAsStrict({ operations: ops('Decrypt') }, parent), 'dropping the constraint');
    assert.ok(!atLeastAsStrict({ operations: ops('Encrypt'), constraints: { EncryptionContextSubset: { a: '1' } } }, parent), 'new operation');
    const equalsParent = { operations: ops('Decrypt', 'CreateGrant'), constraints: { EncryptionContextEquals: { a: '1' } } };
    assert.ok(atLeastAsStrict({ operations: ops('Decrypt'), constraints: { EncryptionContextEquals: { a: '1' } } }, equalsParent));
    assert.ok(!atLeastAsStrict({ operations: ops('Decrypt'), constraints: { EncryptionContextSubset: { a: '1' } } }, equalsParent), 'Equals to Subset');
    assert.ok(!atLeastAsStrict({ operations: ops('Decrypt'), constraints: { EncryptionContextEquals: { a: '1', b: '2' } } }, equalsParent));
    assert.ok(atLeastAsStrict({ operations: ops('Decrypt') }, { operations: ops('Decrypt', 'CreateGrant') }));
    const sourceParent = { operations: ops('Decrypt', 'CreateGrant'), constraints: { SourceArn: 'arn:aws:s3:::b' } };
    assert.ok(!atLeastAsStrict({ operations: ops('Decrypt') }, sourceParent));
  });

  test('constraint limits: one context constraint, 8 pairs, 384 characters', () => {
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    validateConstraints({ EncryptionContextSubset: pairs(8) });
    validateConstraints({ EncryptionContextEquals: { k: 'v'.repeat(383) } });
    const invalid = (c: object) =>
      assert.throws(() => validateConstraints(c), (e: unknown) => e instanceof KmsError && e.type === 'ValidationException', JSON.stringify(c).slice(0, 80));
    invalid({ EncryptionContextSubset: pairs(9) });
    invalid({ EncryptionContextEquals: { k: 'v'.repeat(384) } });
    invalid({ EncryptionContextSubset: { a: 'b' }, EncryptionContextEquals: { a: 'b' } });
    // An empty map counts as absent (as Terraform's aws_kms_grant sends the unused one).
    validateConstraints({ EncryptionContextSubset: { a: 'b' }, EncryptionContextEquals: {} });
    validateConstraints({ EncryptionContextSubset: {}, EncryptionContextEquals: {} });
  });

  test('grant operations by key type', () => {
    const symmetric = grantOperationsFor({ keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT' });
    assert.deepEqual(
      [...symmetric].sort(),
      ['CreateGrant', 'Decrypt', 'DescribeKey', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
        'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'RetireGrant'],
    );
    assert.ok(!grantOperationsFor({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' }).has('Decrypt'));
    assert.ok(grantOperationsFor({ keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' }).has('VerifyMac'));
  });

  test('the Name digest ignores order but not content', () => {
    const base = {
      keyId: 'k',
      keyArn: KEY_ARN,
      region: 'us-east-1',
      keyAccount: '111122223333',
      granteePrincipal: 'arn:aws:iam::111122223333:user/alice',
      operations: ['Encrypt', 'Decrypt'] as GrantOperation[],
      constraints: { EncryptionContextSubset: { a: '1', b: '2' } },
    };
    const digest = grantNameKey('n', base);
    assert.equal(grantNameKey('n', { ...base, operations: ['Decrypt', 'Encrypt'], constraints: { EncryptionContextSubset: { b: '2', a: '1' } } }), digest);
    assert.notEqual(grantNameKey('m', base), digest);
    assert.notEqual(grantNameKey('n', { ...base, operations: ['Encrypt'] }), digest);
    assert.notEqual(grantNameKey('n', { ...base, retiringPrincipal: 'arn:aws:iam::111122223333:user/bob' }), digest);
    assert.notEqual(grantNameKey('n', { ...base, constraints: { EncryptionContextEquals: { a: '1', b: '2' } } }), digest);
  });
});

describe('grant item keys', () => {
  test('keys carry the region; a grant id range starts right after the marker', () => {
    assert.deepEqual(grantItem('eu-west-1', 'k', 'g'), { pk: 'GRANTS#eu-west-1#k', sk: 'GRANT#g' });
    assert.equal(granteeItem('us-east-1', 'k', 'account:aws:1', 'arn:aws:iam::1:root', 'g').sk, 'GRANTEE#account:aws:1#arn:aws:iam::1:root#g');
    const ids = Array.from({ length: 200 }, () => randomBytes(32).toString('hex')).sort();
    const sks = ids.map((id) => `GRANT#${id}`);
    for (let i = 0; i < ids.length; i++) {
      const { start, end } = prefixRange('GRANT#', ids[i]);
      const inRange = sks.filter((sk) => sk >= start && sk <= end);
      assert.deepEqual(inRange, sks.slice(i + 1));
    }
    const all = prefixRange('GRANT#');
    assert.ok(sks.every((sk) => sk >= all.start && sk <= all.end));
    assert.ok(!('GRANTEE#x' >= all.start && 'GRANTEE#x' <= all.end), 'grantee entries are not grants');
    assert.ok(!('GRANTEE#a#b#' + ids[0]).startsWith(granteePrefix('a#c')));
  });
});

describe('grant cache', () => {
  function grant(id: string): GrantRecord {
    return { grantId: id, keyId: 'k', keyArn: KEY_ARN, region: 'us-east-1', keyAccount: '1', issuingAccount: '1', creationDate: 0, operations: ['Encrypt'] };
  }

  function fakeStore() {
    const calls: string[] = [];
    let answer: GrantRecord[] = [grant('1')];
    let gate: Promise<void> | undefined;
    const store = {
      async grantsForMatchKeys(keyId: string, matchKeys: readonly string[]) {
        calls.push(`${keyId}:${matchKeys.join(',')}`);
        const now = answer;
        if (gate) await gate;
        return now;
      },
      async createGrant() {
        return { kind: 'created' as const };
      },
      async deleteGrant() {},
    } as unknown as GrantStore;
    return {
      store,
      calls,
      setAnswer: (a: GrantRecord[]) => (answer = a),
      hold: () => {
        let release!: () => void;
        gate = new Promise((r) => (release = r));
        return () => {
          gate = undefined;
          release();
        };
      },
    };
  }

  test('lookups are served from memory within the TTL, empty answers too', async () => {
    let now = 0;
    const fake = fakeStore();
    const cache = new CachedGrantStore(fake.store, 1000, () => now);
    assert.equal((await cache.grantsForMatchKeys('k', ['a', 'b'])).length, 2);
    fake.setAnswer([]);
    assert.equal((await cache.grantsForMatchKeys('k', ['a', 'b'])).length, 2, 'cached');
    assert.equal(fake.calls.length, 2);
    now = 1000;
    assert.equal((await cache.grantsForMatchKeys('k', ['a'])).length, 0, 'expired');
    await cache.grantsForMatchKeys('k', ['a']);
    assert.equal(fake.calls.length, 3, 'the empty answer is cached as well');
  });

  test('a grant write through the cache drops the key at once', async () => {
    const fake = fakeStore();
    const cache = new CachedGrantStore(fake.store, 60_000, () => 0);
    await cache.grantsForMatchKeys('k', ['a']);
    fake.setAnswer([]);
    await cache.deleteGrant(grant('1'), 'Revoked', 0);
    assert.deepEqual(await cache.grantsForMatchKeys('k', ['a']), []);
    fake.setAnswer([grant('2')]);
    await cache.createGrant(grant('2'), 10);
    assert.equal((await cache.grantsForMatchKeys('k', ['a']))[0]?.grantId, '2');
  });

  test('a lookup that overlapped a write is answered but not kept', async () => {
    const fake = fakeStore();
    const cache = new CachedGrantStore(fake.store, 60_000, () => 0);
    const release = fake.hold();
    const pending = cache.grantsForMatchKeys('k', ['a']); // reads the old answer, then waits
    await cache.deleteGrant(grant('1'), 'Revoked', 0);
    fake.setAnswer([]);
    release();
    assert.equal((await pending).length, 1);
    assert.deepEqual(await cache.grantsForMatchKeys('k', ['a']), [], 'the stale answer was not cached');
  });

  test('TTL 0 disables the cache', async () => {
    const fake = fakeStore();
    const cache = new CachedGrantStore(fake.store, 0, () => 0);
    await cache.grantsForMatchKeys('k', ['a']);
    await cache.grantsForMatchKeys('k', ['a']);
    assert.equal(fake.calls.length, 2);
  });
});

describe('grantAllows', () => {
  const rootKey = randomBytes(32);
  const signer = new GrantTokenSigner(async () => rootKey);
  const key = { keyId: '1234abcd-12ab-44cd-96ef-1234567890ab', arn: KEY_ARN } as KeyRecord;
  const alice = { principalArn: 'arn:aws:iam::111122223333:user/alice', account: '111122223333' };
  const bob = { principalArn: 'arn:aws:iam::111122223333:user/engineering/bob', account: '111122223333' };
  const now = claims.issuedAt + 1000;

  /** A request context whose store holds `visible` grants and `tombstones`. */
  function context(caller: typeof alice, visible: GrantRecord[] = [], tombstones: string[] = []) {
    const reads: string[] = [];
    const grants = {
      async grantsForMatchKeys() {
        return visible;
      },
      async getTombstone(_keyId: string, grantId: string): Promise<GrantTombstone | undefined> {
        reads.push(grantId);
        return tombstones.includes(grantId) ? { grantId, keyId: key.keyId, removal: 'Revoked', removedAt: 0 } : undefined;
      },
    } as unknown as GrantStore;
    const ctx = { caller, clock: { now: () => new Date(now) }, grants, grantTokens: signer } as unknown as OperationContext;
    return { ctx, reads };
  }

  const stored = (overrides: Partial<GrantRecord> = {}): GrantRecord => ({
    grantId: claims.grantId,
    keyId: key.keyId,
    keyArn: KEY_ARN,
    region: 'us-east-1',
    keyAccount: '111122223333',
    issuingAccount: '111122223333',
    creationDate: 0,
    granteePrincipal: alice.principalArn,
    operations: ['Encrypt', 'Decrypt'],
    constraints: { EncryptionContextSubset: { Department: 'Finance' } },
    ...overrides,
  });
  const finance = { Department: 'Finance' };

  test('a readable grant allows its grantee, within its operations and constraints', async () => {
    const { ctx } = context(alice, [stored()]);
    assert.equal(await grantAllows(ctx, { key, operation: 'Encrypt', encryptionContext: finance }), true);
    assert.equal(await grantAllows(ctx, { key, operation: 'Encrypt', encryptionContext: { Department: 'HR' } }), false);
    assert.equal(await grantAllows(ctx, { key, operation: 'GenerateDataKey', encryptionContext: finance }), false);
    assert.equal(await grantAllows(context(bob, [stored()]).ctx, { key, operation: 'Encrypt', encryptionContext: finance }), false);
  });

  test('a token stands in for a grant that is not readable yet, for its grantee only', async () => {
    const token = await signer.issue(claims, randomBytes(16));
    const { ctx, reads } = context(alice);
    assert.equal(await grantAllows(ctx, { key, operation: 'Decrypt', encryptionContext: finance }), false, 'no token, no grant');
    const verified = await verifyGrantTokens(ctx, [token]);
    assert.equal(await grantAllows(ctx, { key, operation: 'Decrypt', encryptionContext: finance, grantTokens: verified }), true);
    assert.deepEqual(reads, [claims.grantId], 'the tombstone was checked');
    const check = { key, encryptionContext: finance, grantTokens: verified };
    assert.equal(await grantAllows(ctx, { ...check, operation: 'GenerateDataKey' }), false, 'operation not in the grant');
    assert.equal(await grantAllows(ctx, { ...check, encryptionContext: { Department: 'HR' }, operation: 'Decrypt' }), false, 'constraint');
    assert.equal(await grantAllows(context(bob).ctx, { ...check, operation: 'Decrypt' }), false, 'another principal');
    const otherKey = { keyId: 'x', arn: KEY_ARN.replace('1234abcd', '9999abcd') } as KeyRecord;
    assert.equal(await grantAllows(ctx, { ...check, key: otherKey, operation: 'Decrypt' }), false, 'another key');
  });

  test('a token is refused once its grant is retired or revoked, and after its authority lapses', async () => {
    const token = await signer.issue(claims, randomBytes(16));
    const request = { key, operation: 'Decrypt' as const, encryptionContext: finance, grantTokens: await verifyGrantTokens(context(alice).ctx, [token]) };
    assert.equal(await grantAllows(context(alice, [], [claims.grantId]).ctx, request), false);
    const late = await signer.issue({ ...claims, issuedAt: now - TOKEN_AUTHORITY_MS - 1 }, randomBytes(16));
    const lateClaims = await verifyGrantTokens(context(alice).ctx, [late]);
    assert.equal(await grantAllows(context(alice).ctx, { ...request, grantTokens: lateClaims }), false);
  });

  test('a token we did not issue is refused as InvalidGrantTokenException', async () => {
    const foreign = new GrantTokenSigner(async () => randomBytes(32));
    const forged = await foreign.issue(claims, randomBytes(16));
    const { ctx } = context(alice, [stored()]);
    for (const bad of [forged, 'not-a-token']) {
      await assert.rejects(
        verifyGrantTokens(ctx, [bad]),
        (e: unknown) => e instanceof KmsError && e.type === 'InvalidGrantTokenException',
      );
    }
  });

  test('the grants that allowed CreateGrant are remembered for the request', async () => {
    const parent = stored({ operations: ['Decrypt', 'CreateGrant'] });
    const { ctx } = context(alice, [parent]);
    assert.equal(authorizingGrants(ctx, key.keyId, 'CreateGrant'), undefined);
    assert.equal(await grantAllows(ctx, { key, operation: 'CreateGrant' }), true, 'context constraints do not apply to CreateGrant');
    assert.deepEqual(authorizingGrants(ctx, key.keyId, 'CreateGrant'), [
      { operations: parent.operations, constraints: parent.constraints, principal: alice.principalArn, servicePrincipal: undefined },
    ]);
    assert.equal(authorizingGrants(context(alice).ctx, key.keyId, 'CreateGrant'), undefined, 'per request');
  });
});
