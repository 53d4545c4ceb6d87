import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePolicy, policyErrors } from '../../shared/policy/index.js';
import type { PolicyDocument, Statement } from '../../shared/policy/index.js';
import { KmsError } from '../../shared/errors.js';

const ACCT = '111122223333';
const ROOT = `arn:aws:iam::${ACCT}:root`;

/** The default key policy exactly as KMS prints it (KMS-REFERENCE §13). */
const DEFAULT_POLICY_TEXT = `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::${ACCT}:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`;

/** A statement around the element under test: the other required parts filled in. */
const base = { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
const doc = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const one = (extra: Record<string, unknown>, drop: string[] = []) => {
  const s: Record<string, unknown> = { ...base, ...extra };
  for (const d of drop) delete s[d];
  return doc(s);
};
const normalBase: Statement = { Effect: 'Allow', Principal: { AWS: [ROOT] }, Action: ['kms:*'], Resource: ['*'] };
const expectOne = (s: Partial<Statement>, drop: (keyof Statement)[] = []): PolicyDocument => {
  const statement: Statement = { ...normalBase, ...s };
  for (const d of drop) delete statement[d];
  return { Version: '2012-10-17', Statement: [statement] };
};

interface ValidCase {
  name: string;
  text: string;
  expected: PolicyDocument;
}

const valid: ValidCase[] = [
  {
    name: 'the default key policy, as KMS prints it',
    text: DEFAULT_POLICY_TEXT,
    expected: {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: [ROOT] }, Action: ['kms:*'], Resource: ['*'] }],
    },
  },
  {
    name: 'a single statement object becomes a list',
    text: JSON.stringify({ Version: '2012-10-17', Statement: base }),
    expected: expectOne({}),
  },
  { name: 'no Version is accepted', text: JSON.stringify({ Statement: [base] }), expected: { Statement: [normalBase] } },
  {
    name: 'Version 2008-10-17 is accepted',
    text: JSON.stringify({ Version: '2008-10-17', Statement: [base] }),
    expected: { Version: '2008-10-17', Statement: [normalBase] },
  },
  { name: 'an empty statement list is accepted', text: JSON.stringify({ Statement: [] }), expected: { Statement: [] } },
  { name: 'Principal "*" stays "*"', text: one({ Principal: '*' }), expected: expectOne({ Principal: '*' }) },
  { name: 'Principal {AWS:"*"} becomes a list', text: one({ Principal: { AWS: '*' } }), expected: expectOne({ Principal: { AWS: ['*'] } }) },
  {
    name: 'principal forms: account id, user with path, role, session, federated user, unique id, aws-cn',
    text: one({
      Principal: {
        AWS: [
          ACCT,
          `arn:aws:iam::${ACCT}:user/dev/alice`,
          `arn:aws:iam::${ACCT}:role/Admin`,
          `arn:aws:sts::${ACCT}:assumed-role/Admin/session-1`,
          `arn:aws:sts::${ACCT}:federated-user/bob`,
          'AIDAJQABLZS4A3QDU576Q',
          `arn:aws-cn:iam::${ACCT}:root`,
        ],
      },
    }),
    expected: expectOne({
      Principal: {
        AWS: [
          ACCT,
          `arn:aws:iam::${ACCT}:user/dev/alice`,
          `arn:aws:iam::${ACCT}:role/Admin`,
          `arn:aws:sts::${ACCT}:assumed-role/Admin/session-1`,
          `arn:aws:sts::${ACCT}:federated-user/bob`,
          'AIDAJQABLZS4A3QDU576Q',
          `arn:aws-cn:iam::${ACCT}:root`,
        ],
      },
    }),
  },
  {
    name: 'Service and AWS principals side by side, each a list',
    text: one({ Principal: { AWS: ROOT, Service: 'logs.amazonaws.com' } }),
    expected: expectOne({ Principal: { AWS: [ROOT], Service: ['logs.amazonaws.com'] } }),
  },
  {
    name: 'Federated and CanonicalUser principals are kept',
    text: one({ Principal: { Federated: 'cognito-identity.amazonaws.com', CanonicalUser: ['79a59df9'] } }),
    expected: expectOne({ Principal: { Federated: ['cognito-identity.amazonaws.com'], CanonicalUser: ['79a59df9'] } }),
  },
  {
    name: 'NotPrincipal, NotAction and NotResource are normalised',
    text: one({ NotPrincipal: { AWS: ACCT }, NotAction: 'kms:Decrypt', NotResource: 'arn:aws:kms:*:*:key/x' }, ['Principal', 'Action', 'Resource']),
    expected: expectOne({ NotPrincipal: { AWS: [ACCT] }, NotAction: ['kms:Decrypt'], NotResource: ['arn:aws:kms:*:*:key/x'] }, [
      'Principal',
      'Action',
      'Resource',
    ]),
  },
  {
    name: 'Action lists keep their order and case',
    text: one({ Action: ['kms:Encrypt', 'KMS:decrypt', '*', 'kms:Gen*'] }),
    expected: expectOne({ Action: ['kms:Encrypt', 'KMS:decrypt', '*', 'kms:Gen*'] }),
  },
  { name: 'a statement without Action is accepted (it never matches)', text: one({}, ['Action']), expected: expectOne({}, ['Action']) },
  { name: 'a statement without Resource is accepted (it never matches)', text: one({}, ['Resource']), expected: expectOne({}, ['Resource']) },
  { name: 'Sid is kept', text: one({ Sid: 'Allow use' }), expected: expectOne({ Sid: 'Allow use' }) },
  {
    name: 'condition values: string, number, boolean, lists of them become string lists',
    text: one({
      Condition: {
        StringEquals: { 'kms:EncryptionContext:Dept': 'Finance', 'kms:CallerAccount': [ACCT, 444455556666] },
        NumericLessThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 30, 'x:Ratio': 1.5 },
        Bool: { 'kms:GrantIsForAWSResource': true, 'aws:SecureTransport': [false, 'true'] },
      },
    }),
    expected: expectOne({
      Condition: {
        StringEquals: { 'kms:EncryptionContext:Dept': ['Finance'], 'kms:CallerAccount': [ACCT, '444455556666'] },
        NumericLessThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': ['30'], 'x:Ratio': ['1.5'] },
        Bool: { 'kms:GrantIsForAWSResource': ['true'], 'aws:SecureTransport': ['false', 'true'] },
      },
    }),
  },
  {
    name: 'operators with set prefixes and IfExists, in any case, are kept as written',
    text: one({
      Condition: {
        'ForAnyValue:StringLikeIfExists': { 'kms:EncryptionContextKeys': 'app*' },
        'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Encrypt', 'Decrypt'] },
        stringequalsignorecase: { 'kms:RequestAlias': 'alias/x' },
        NumericLessThanIfExists: { 'kms:RotationPeriodInDays': '90' },
        Null: { 'kms:EncryptionContextKeys': 'false' },
      },
    }),
    expected: expectOne({
      Condition: {
        'ForAnyValue:StringLikeIfExists': { 'kms:EncryptionContextKeys': ['app*'] },
        'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Encrypt', 'Decrypt'] },
        stringequalsignorecase: { 'kms:RequestAlias': ['alias/x'] },
        NumericLessThanIfExists: { 'kms:RotationPeriodInDays': ['90'] },
        Null: { 'kms:EncryptionContextKeys': ['false'] },
      },
    }),
  },
  {
    name: 'an empty operator block is accepted',
    text: one({ Condition: { StringEquals: {} } }),
    expected: expectOne({ Condition: { StringEquals: {} } }),
  },
  {
    name: 'policy variables are kept literally',
    text: one({ Condition: { StringLike: { 'aws:PrincipalArn': '${aws:username}*' } } }),
    expected: expectOne({ Condition: { StringLike: { 'aws:PrincipalArn': ['${aws:username}*'] } } }),
  },
  {
    name: 'every operator family parses',
    text: one({
      Condition: Object.fromEntries(
        [
          'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
          'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
          'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
          'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnNotEquals', 'ArnLike', 'ArnNotLike', 'Null',
          'BinaryEqualsIfExists', 'ForAllValues:ArnLikeIfExists',
        ].map((o) => [o, { 'k:k': '1' }]),
      ),
    }),
    expected: expectOne({
      Condition: Object.fromEntries(
        [
          'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
          'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
          'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
          'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnNotEquals', 'ArnLike', 'ArnNotLike', 'Null',
          'BinaryEqualsIfExists', 'ForAllValues:ArnLikeIfExists',
        ].map((o) => [o, { 'k:k': ['1'] }]),
      ),
    }),
  },
];

for (const c of valid) {
  test(`parse: ${c.name}`, () => {
    // Condition maps have no prototype (a key `__proto__` stays a key): compared as plain data.
    assert.deepEqual(JSON.parse(JSON.stringify(parsePolicy(c.text))), c.expected);
  });
}

interface InvalidCase {
  name: string;
  text: string;
  message: string;
}

const invalid: InvalidCase[] = [
  { name: 'empty text', text: '', message: policyErrors.invalidJson },
  { name: 'truncated JSON', text: '{"Statement": [', message: policyErrors.invalidJson },
  { name: 'trailing garbage', text: `${doc(base)} x`, message: policyErrors.invalidJson },
  { name: 'JSON null', text: 'null', message: policyErrors.notAnObject },
  { name: 'a JSON list', text: '[]', message: policyErrors.notAnObject },
  { name: 'a JSON string', text: '"policy"', message: policyErrors.notAnObject },
  { name: 'no Statement', text: '{"Version":"2012-10-17"}', message: policyErrors.noStatement },
  { name: 'Statement null', text: '{"Statement":null}', message: policyErrors.noStatement },
  { name: 'an unknown top-level element', text: JSON.stringify({ Statement: [base], Foo: 1 }), message: policyErrors.unknownElement('Foo') },
  { name: 'element names are case-sensitive (top level)', text: JSON.stringify({ statement: [base] }), message: policyErrors.unknownElement('statement') },
  { name: 'an unknown Version', text: JSON.stringify({ Version: '2020-01-01', Statement: [base] }), message: policyErrors.invalidVersion },
  { name: 'a numeric Version', text: JSON.stringify({ Version: 2012, Statement: [base] }), message: policyErrors.invalidVersion },
  { name: 'a numeric Id', text: JSON.stringify({ Id: 5, Statement: [base] }), message: policyErrors.invalidId },
  { name: 'a statement that is a string', text: JSON.stringify({ Statement: ['x'] }), message: policyErrors.invalidStatement },
  { name: 'Statement a number', text: JSON.stringify({ Statement: 5 }), message: policyErrors.invalidStatement },
  { name: 'a statement that is a list', text: JSON.stringify({ Statement: [[base]] }), message: policyErrors.invalidStatement },
  { name: 'an unknown statement element', text: one({ Actions: 'kms:*' }), message: policyErrors.unknownElement('Actions') },
  { name: 'element names are case-sensitive (statement)', text: one({ effect: 'Allow' }, ['Effect']), message: policyErrors.unknownElement('effect') },
  { name: 'no Effect', text: one({}, ['Effect']), message: policyErrors.noEffect },
  { name: 'Effect in lower case', text: one({ Effect: 'allow' }), message: policyErrors.invalidEffect },
  { name: 'Effect neither Allow nor Deny', text: one({ Effect: 'Permit' }), message: policyErrors.invalidEffect },
  { name: 'Effect a list', text: one({ Effect: ['Allow'] }), message: policyErrors.invalidEffect },
  { name: 'a numeric Sid', text: one({ Sid: 1 }), message: policyErrors.invalidSid },
  { name: 'no Principal or NotPrincipal', text: one({}, ['Principal']), message: policyErrors.noPrincipal },
  { name: 'both Principal and NotPrincipal', text: one({ NotPrincipal: { AWS: ACCT } }), message: policyErrors.both('Principal') },
  { name: 'both Action and NotAction', text: one({ NotAction: 'kms:Decrypt' }), message: policyErrors.both('Action') },
  { name: 'both Resource and NotResource', text: one({ NotResource: '*' }), message: policyErrors.both('Resource') },
  { name: 'Principal a bare account id', text: one({ Principal: ACCT }), message: policyErrors.invalidPrincipals },
  { name: 'Principal an empty object', text: one({ Principal: {} }), message: policyErrors.invalidPrincipals },
  { name: 'an unknown principal type', text: one({ Principal: { User: ROOT } }), message: policyErrors.invalidPrincipals },
  { name: 'principal type names are case-sensitive', text: one({ Principal: { aws: ROOT } }), message: policyErrors.invalidPrincipals },
  { name: 'an AWS principal that is a bare name', text: one({ Principal: { AWS: 'alice' } }), message: policyErrors.invalidPrincipals },
  { name: 'a wildcard inside a role ARN', text: one({ Principal: { AWS: `arn:aws:iam::${ACCT}:role/*` } }), message: policyErrors.invalidPrincipals },
  { name: 'a wildcard account in a root ARN', text: one({ Principal: { AWS: 'arn:aws:iam::*:root' } }), message: policyErrors.invalidPrincipals },
  { name: 'an 11-digit account id', text: one({ Principal: { AWS: 'arn:aws:iam::11112222333:root' } }), message: policyErrors.invalidPrincipals },
  { name: 'a KMS ARN as principal', text: one({ Principal: { AWS: `arn:aws:kms:us-east-1:${ACCT}:key/x` } }), message: policyErrors.invalidPrincipals },
  { name: 'an empty principal list', text: one({ Principal: { AWS: [] } }), message: policyErrors.invalidPrincipals },
  { name: 'a numeric principal', text: one({ Principal: { AWS: [Number(ACCT)] } }), message: policyErrors.invalidPrincipals },
  { name: 'an empty service principal', text: one({ Principal: { Service: '' } }), message: policyErrors.invalidPrincipals },
  { name: 'NotPrincipal is validated too', text: one({ NotPrincipal: { AWS: 'bob' } }, ['Principal']), message: policyErrors.invalidPrincipals },
  { name: 'Action a number', text: one({ Action: 5 }), message: policyErrors.invalidElement('Action') },
  { name: 'Action an empty list', text: one({ Action: [] }), message: policyErrors.invalidElement('Action') },
  { name: 'Action a list with a number', text: one({ Action: ['kms:Encrypt', 5] }), message: policyErrors.invalidElement('Action') },
  { name: 'NotAction an object', text: one({ NotAction: {} }, ['Action']), message: policyErrors.invalidElement('NotAction') },
  { name: 'Resource an object', text: one({ Resource: {} }), message: policyErrors.invalidElement('Resource') },
  { name: 'NotResource an empty list', text: one({ NotResource: [] }, ['Resource']), message: policyErrors.invalidElement('NotResource') },
  { name: 'an action without a vendor', text: one({ Action: 'Encrypt' }), message: policyErrors.noVendor },
  { name: 'an action with an empty vendor', text: one({ Action: ':Encrypt' }), message: policyErrors.noVendor },
  { name: 'a wildcard vendor', text: one({ Action: '*:Encrypt' }), message: policyErrors.noVendor },
  { name: 'an action with two colons', text: one({ NotAction: 'kms:Encrypt:x' }, ['Action']), message: policyErrors.oneColon },
  { name: 'Condition a string', text: one({ Condition: 'x' }), message: policyErrors.invalidElement('Condition') },
  { name: 'Condition a list', text: one({ Condition: [] }), message: policyErrors.invalidElement('Condition') },
  { name: 'an unknown operator', text: one({ Condition: { StringEqualz: { 'k:k': 'v' } } }), message: policyErrors.invalidOperator('StringEqualz') },
  { name: 'NullIfExists', text: one({ Condition: { NullIfExists: { 'k:k': 'true' } } }), message: policyErrors.invalidOperator('NullIfExists') },
  { name: 'a set prefix on Null', text: one({ Condition: { 'ForAnyValue:Null': { 'k:k': 'true' } } }), message: policyErrors.invalidOperator('ForAnyValue:Null') },
  { name: 'an unknown set prefix', text: one({ Condition: { 'ForSomeValues:StringEquals': { 'k:k': 'v' } } }), message: policyErrors.invalidOperator('ForSomeValues:StringEquals') },
  { name: 'IfExists twice', text: one({ Condition: { StringEqualsIfExistsIfExists: { 'k:k': 'v' } } }), message: policyErrors.invalidOperator('StringEqualsIfExistsIfExists') },
  { name: 'an operator block that is a string', text: one({ Condition: { StringEquals: 'x' } }), message: policyErrors.invalidElement('Condition') },
  { name: 'a null condition value', text: one({ Condition: { StringEquals: { 'k:k': null } } }), message: policyErrors.invalidElement('Condition') },
  { name: 'an object condition value', text: one({ Condition: { StringEquals: { 'k:k': { a: 1 } } } }), message: policyErrors.invalidElement('Condition') },
  { name: 'an empty condition value list', text: one({ Condition: { StringEquals: { 'k:k': [] } } }), message: policyErrors.invalidElement('Condition') },
  { name: 'a null inside a condition value list', text: one({ Condition: { StringEquals: { 'k:k': ['a', null] } } }), message: policyErrors.invalidElement('Condition') },
  { name: 'an empty condition key', text: one({ Condition: { StringEquals: { '': 'v' } } }), message: policyErrors.invalidElement('Condition') },
  {
    name: 'the second statement is validated too',
    text: doc(base, { ...base, Effect: 'Maybe' }),
    message: policyErrors.invalidEffect,
  },
];

for (const c of invalid) {
  test(`parse rejects ${c.name}`, () => {
    assert.throws(
      () => parsePolicy(c.text),
      (e: unknown) => {
        assert.ok(e instanceof KmsError, `not a KmsError: ${String(e)}`);
        assert.equal(e.type, 'MalformedPolicyDocumentException');
        assert.equal(e.statusCode, 400);
        assert.equal(e.message, c.message);
        return true;
      },
    );
  });
}

test('parse: every error message is distinct, so each case above pins its own rule', () => {
  const messages = [
    policyErrors.invalidJson, policyErrors.notAnObject, policyErrors.noStatement, policyErrors.invalidVersion, policyErrors.invalidId,
    policyErrors.invalidStatement, policyErrors.invalidSid, policyErrors.noEffect, policyErrors.invalidEffect, policyErrors.noPrincipal,
    policyErrors.invalidPrincipals, policyErrors.noVendor, policyErrors.oneColon, policyErrors.invalidElement('Action'),
    policyErrors.both('Action'), policyErrors.unknownElement('X'), policyErrors.invalidOperator('X'),
  ];
  assert.equal(new Set(messages).size, messages.length);
});

test('parse: the result does not share arrays with a later parse', () => {
  const a = parsePolicy(DEFAULT_POLICY_TEXT);
  const b = parsePolicy(DEFAULT_POLICY_TEXT);
  assert.notEqual(a.Statement[0]!.Action, b.Statement[0]!.Action);
  assert.deepEqual(a, b);
});
