import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluatePolicy, parsePolicy } from '../../shared/policy/index.js';
import type { ContextValue, Decision, EvaluationRequest, PolicyDocument } from '../../shared/policy/index.js';

const ACCT = '111122223333';
const OTHER = '444455556666';
const ROOT = `arn:aws:iam::${ACCT}:root`;
const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY = `arn:aws:kms:us-east-1:${ACCT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
const BOB = `arn:aws:iam::${ACCT}:user/bob`;
const ADMIN_ROLE = `arn:aws:iam::${ACCT}:role/Admin`;
const ADMIN_SESSION = `arn:aws:sts::${ACCT}:assumed-role/Admin/ops-session`;
const OTHER_USER = `arn:aws:iam::${OTHER}:user/mallory`;

interface Req {
  principal?: string;
  account?: string;
  action?: string;
  resource?: string;
  context?: Record<string, ContextValue>;
}

interface Case {
  name: string;
  policy: Record<string, unknown>;
  request?: Req;
  expected: Decision;
}

/** The account of an IAM/STS ARN (what the authenticator would report). */
function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** A request; its context lookup ignores the key's case, as the real one does. */
function request(r: Req = {}): EvaluationRequest {
  const principalArn = r.principal ?? ALICE;
  const context = new Map(Object.entries(r.context ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    principalArn,
    principalAccount: r.account ?? accountOf(principalArn),
    action: r.action ?? 'kms:Encrypt',
    resource: r.resource ?? KEY,
    context: (key) => context.get(key.toLowerCase()),
  };
}

/** Every policy goes through parsePolicy, as in the service. */
function decide(policy: Record<string, unknown>, r?: Req): Decision {
  return evaluatePolicy(parsePolicy(JSON.stringify(policy)), request(r));
}

const allowAll = { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
const policy = (...statements: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement: statements });
const allow = (extra: Record<string, unknown>) => policy({ ...allowAll, ...extra });

function run(group: string, cases: Case[]): void {
  for (const c of cases) {
    test(`${group}: ${c.name}`, () => {
      assert.equal(decide(c.policy, c.request), c.expected);
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Effects and precedence
// ---------------------------------------------------------------------------------------------------

const denyDecrypt = { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' };

run('effect', [
  { name: 'the default policy allows a user of the account', policy: allow({}), expected: 'Allow' },
  { name: 'the default policy says nothing about another account', policy: allow({}), request: { principal: OTHER_USER }, expected: 'NoMatch' },
  { name: 'an empty statement list matches nothing', policy: policy(), expected: 'NoMatch' },
  { name: 'an explicit deny beats an allow (deny last)', policy: policy(allowAll, denyDecrypt), request: { action: 'kms:Decrypt' }, expected: 'Deny' },
  { name: 'an explicit deny beats an allow (deny first)', policy: policy(denyDecrypt, allowAll), request: { action: 'kms:Decrypt' }, expected: 'Deny' },
  { name: 'a deny for another action leaves the allow', policy: policy(allowAll, denyDecrypt), request: { action: 'kms:Encrypt' }, expected: 'Allow' },
  { name: 'a deny alone that matches is Deny', policy: policy(denyDecrypt), request: { action: 'kms:Decrypt' }, expected: 'Deny' },
  { name: 'a deny alone that does not match is NoMatch, not Allow', policy: policy(denyDecrypt), expected: 'NoMatch' },
  {
    name: 'a deny whose condition fails does not apply',
    policy: policy(allowAll, { ...denyDecrypt, Condition: { StringEquals: { 'kms:EncryptionContext:Dept': 'HR' } } }),
    request: { action: 'kms:Decrypt', context: { 'kms:EncryptionContext:Dept': 'Finance' } },
    expected: 'Allow',
  },
  {
    name: 'a deny whose condition holds applies',
    policy: policy(allowAll, { ...denyDecrypt, Condition: { StringEquals: { 'kms:EncryptionContext:Dept': 'HR' } } }),
    request: { action: 'kms:Decrypt', context: { 'kms:EncryptionContext:Dept': 'HR' } },
    expected: 'Deny',
  },
  {
    name: 'a deny after several allows is still found',
    policy: policy(allowAll, allowAll, { ...allowAll, Effect: 'Deny', Principal: { AWS: ALICE } }),
    expected: 'Deny',
  },
  {
    name: 'a statement without Action never matches (even a Deny)',
    policy: policy(allowAll, { Effect: 'Deny', Principal: '*', Resource: '*' }),
    expected: 'Allow',
  },
  { name: 'a statement without Action allows nothing', policy: policy({ Effect: 'Allow', Principal: '*', Resource: '*' }), expected: 'NoMatch' },
  { name: 'a statement without Resource allows nothing', policy: policy({ Effect: 'Allow', Principal: '*', Action: '*' }), expected: 'NoMatch' },
  {
    name: 'a statement without Resource denies nothing',
    policy: policy(allowAll, { Effect: 'Deny', Principal: '*', Action: '*' }),
    expected: 'Allow',
  },
]);

// ---------------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------------

run('action', [
  { name: 'an exact action', policy: allow({ Action: 'kms:Encrypt' }), expected: 'Allow' },
  { name: 'another action', policy: allow({ Action: 'kms:Encrypt' }), request: { action: 'kms:Decrypt' }, expected: 'NoMatch' },
  { name: 'the policy action ignores case', policy: allow({ Action: 'KMS:ENCRYPT' }), expected: 'Allow' },
  { name: 'the request action ignores case', policy: allow({ Action: 'kms:Encrypt' }), request: { action: 'KMS:encrypt' }, expected: 'Allow' },
  { name: '"*" is every action', policy: allow({ Action: '*' }), request: { action: 'kms:PutKeyPolicy' }, expected: 'Allow' },
  { name: 'kms:* is every KMS action', policy: allow({ Action: 'kms:*' }), request: { action: 'kms:ScheduleKeyDeletion' }, expected: 'Allow' },
  { name: 's3:* is not a KMS action', policy: allow({ Action: 's3:*' }), expected: 'NoMatch' },
  { name: 'a prefix wildcard', policy: allow({ Action: 'kms:Gen*' }), request: { action: 'kms:GenerateDataKeyWithoutPlaintext' }, expected: 'Allow' },
  { name: 'a prefix wildcard that does not fit', policy: allow({ Action: 'kms:Gen*' }), request: { action: 'kms:Encrypt' }, expected: 'NoMatch' },
  { name: 'a prefix wildcard ignores case', policy: allow({ Action: 'KMS:gen*' }), request: { action: 'kms:GenerateMac' }, expected: 'Allow' },
  { name: 'a wildcard before the name', policy: allow({ Action: 'kms:*crypt' }), request: { action: 'kms:Decrypt' }, expected: 'Allow' },
  { name: 'a wildcard in the middle', policy: allow({ Action: 'kms:*Key*' }), request: { action: 'kms:GenerateDataKeyPair' }, expected: 'Allow' },
  { name: 'a wildcard in the middle that does not fit', policy: allow({ Action: 'kms:*Key*' }), request: { action: 'kms:Encrypt' }, expected: 'NoMatch' },
  { name: '"?" is one character', policy: allow({ Action: 'kms:?ecrypt' }), request: { action: 'kms:Decrypt' }, expected: 'Allow' },
  { name: '"?" is not zero characters', policy: allow({ Action: 'kms:?Decrypt' }), request: { action: 'kms:Decrypt' }, expected: 'NoMatch' },
  { name: '"?" is not two characters', policy: allow({ Action: 'kms:?crypt' }), request: { action: 'kms:Decrypt' }, expected: 'NoMatch' },
  { name: 'a list of actions is OR-ed', policy: allow({ Action: ['kms:Decrypt', 'kms:Encrypt'] }), expected: 'Allow' },
  { name: 'an exact action is not a prefix', policy: allow({ Action: 'kms:ReEncrypt' }), request: { action: 'kms:ReEncryptFrom' }, expected: 'NoMatch' },
  { name: 'NotAction allows the other actions', policy: allow({ NotAction: 'kms:Decrypt', Action: undefined }), expected: 'Allow' },
  {
    name: 'NotAction does not allow the action it names',
    policy: allow({ NotAction: 'kms:Decrypt', Action: undefined }),
    request: { action: 'kms:Decrypt' },
    expected: 'NoMatch',
  },
  {
    name: 'NotAction with wildcards and a list',
    policy: allow({ NotAction: ['kms:Put*', 'kms:Schedule*'], Action: undefined }),
    request: { action: 'kms:ScheduleKeyDeletion' },
    expected: 'NoMatch',
  },
  {
    name: 'a Deny with NotAction denies everything else',
    policy: policy(allowAll, { Effect: 'Deny', Principal: '*', NotAction: 'kms:Describe*', Resource: '*' }),
    request: { action: 'kms:Encrypt' },
    expected: 'Deny',
  },
  {
    name: 'a Deny with NotAction spares what it names',
    policy: policy(allowAll, { Effect: 'Deny', Principal: '*', NotAction: 'kms:Describe*', Resource: '*' }),
    request: { action: 'kms:DescribeKey' },
    expected: 'Allow',
  },
]);

// ---------------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------------

run('resource', [
  { name: '"*" is this key', policy: allow({ Resource: '*' }), expected: 'Allow' },
  { name: 'the key ARN itself', policy: allow({ Resource: KEY }), expected: 'Allow' },
  { name: 'another key ARN', policy: allow({ Resource: OTHER_KEY }), expected: 'NoMatch' },
  { name: 'an ARN wildcard', policy: allow({ Resource: `arn:aws:kms:*:${ACCT}:key/*` }), expected: 'Allow' },
  { name: 'an ARN wildcard of another account', policy: allow({ Resource: `arn:aws:kms:*:${OTHER}:key/*` }), expected: 'NoMatch' },
  { name: 'ARNs are case-sensitive', policy: allow({ Resource: KEY.toUpperCase() }), expected: 'NoMatch' },
  { name: '"?" in an ARN', policy: allow({ Resource: KEY.replace('1234abcd', '1234abc?') }), expected: 'Allow' },
  { name: 'a list of resources is OR-ed', policy: allow({ Resource: [OTHER_KEY, KEY] }), expected: 'Allow' },
  { name: 'NotResource naming another key applies', policy: allow({ Resource: undefined, NotResource: OTHER_KEY }), expected: 'Allow' },
  { name: 'NotResource naming this key does not apply', policy: allow({ Resource: undefined, NotResource: KEY }), expected: 'NoMatch' },
  { name: 'NotResource "*" never applies', policy: allow({ Resource: undefined, NotResource: '*' }), expected: 'NoMatch' },
  { name: 'a keyless request ("*") matches Resource "*"', policy: allow({ Resource: '*' }), request: { resource: '*' }, expected: 'Allow' },
  { name: 'a keyless request ("*") does not match a key ARN pattern', policy: allow({ Resource: `arn:aws:kms:*:${ACCT}:key/*` }), request: { resource: '*' }, expected: 'NoMatch' },
]);

// ---------------------------------------------------------------------------------------------------
// Principals
// ---------------------------------------------------------------------------------------------------

run('principal', [
  { name: '"*" is anyone, any account', policy: allow({ Principal: '*' }), request: { principal: OTHER_USER }, expected: 'Allow' },
  { name: '{AWS:"*"} is anyone', policy: allow({ Principal: { AWS: '*' } }), request: { principal: OTHER_USER }, expected: 'Allow' },
  { name: '{AWS:["*"]} among others is anyone', policy: allow({ Principal: { AWS: [BOB, '*'] } }), request: { principal: OTHER_USER }, expected: 'Allow' },
  { name: 'an account id: a user of that account', policy: allow({ Principal: { AWS: ACCT } }), expected: 'Allow' },
  { name: 'an account id: a session of that account', policy: allow({ Principal: { AWS: ACCT } }), request: { principal: ADMIN_SESSION }, expected: 'Allow' },
  { name: 'an account id: another account', policy: allow({ Principal: { AWS: ACCT } }), request: { principal: OTHER_USER }, expected: 'NoMatch' },
  { name: 'the account root: a user of that account', policy: allow({ Principal: { AWS: ROOT } }), request: { principal: BOB }, expected: 'Allow' },
  { name: 'the account root: the root itself', policy: allow({ Principal: { AWS: ROOT } }), request: { principal: ROOT }, expected: 'Allow' },
  { name: 'the account root: another account', policy: allow({ Principal: { AWS: ROOT } }), request: { principal: OTHER_USER }, expected: 'NoMatch' },
  {
    name: 'the account root is decided by the reported account, not by parsing the caller ARN',
    policy: allow({ Principal: { AWS: ROOT } }),
    request: { principal: ALICE, account: OTHER },
    expected: 'NoMatch',
  },
  {
    name: 'another account root: its users',
    policy: allow({ Principal: { AWS: `arn:aws:iam::${OTHER}:root` } }),
    request: { principal: OTHER_USER },
    expected: 'Allow',
  },
  { name: 'a user ARN: that user', policy: allow({ Principal: { AWS: ALICE } }), expected: 'Allow' },
  { name: 'a user ARN: another user of the account', policy: allow({ Principal: { AWS: ALICE } }), request: { principal: BOB }, expected: 'NoMatch' },
  { name: 'a user ARN: case matters', policy: allow({ Principal: { AWS: ALICE.replace('alice', 'Alice') } }), expected: 'NoMatch' },
  { name: 'a user ARN: not the account root', policy: allow({ Principal: { AWS: ALICE } }), request: { principal: ROOT }, expected: 'NoMatch' },
  { name: 'a list of principals is OR-ed', policy: allow({ Principal: { AWS: [BOB, ALICE] } }), expected: 'Allow' },
  { name: 'a role ARN: the role', policy: allow({ Principal: { AWS: ADMIN_ROLE } }), request: { principal: ADMIN_ROLE }, expected: 'Allow' },
  { name: 'a role ARN: its sessions', policy: allow({ Principal: { AWS: ADMIN_ROLE } }), request: { principal: ADMIN_SESSION }, expected: 'Allow' },
  {
    name: 'a role ARN: not the sessions of a role whose name starts the same',
    policy: allow({ Principal: { AWS: ADMIN_ROLE } }),
    request: { principal: `arn:aws:sts::${ACCT}:assumed-role/AdminX/ops-session` },
    expected: 'NoMatch',
  },
  {
    name: 'a role ARN: not the sessions of the same role name in another account',
    policy: allow({ Principal: { AWS: ADMIN_ROLE } }),
    request: { principal: `arn:aws:sts::${OTHER}:assumed-role/Admin/ops-session` },
    expected: 'NoMatch',
  },
  {
    name: 'a role ARN with a path: its sessions (the path is not in a session ARN)',
    policy: allow({ Principal: { AWS: `arn:aws:iam::${ACCT}:role/team/ops/Deployer` } }),
    request: { principal: `arn:aws:sts::${ACCT}:assumed-role/Deployer/build-42` },
    expected: 'Allow',
  },
  {
    name: 'a role ARN: a session ARN with an empty session name is not a session',
    policy: allow({ Principal: { AWS: ADMIN_ROLE } }),
    request: { principal: `arn:aws:sts::${ACCT}:assumed-role/Admin/` },
    expected: 'NoMatch',
  },
  { name: 'a role ARN: not a user', policy: allow({ Principal: { AWS: ADMIN_ROLE } }), expected: 'NoMatch' },
  {
    name: 'a role ARN in aws-cn: its sessions in aws-cn',
    policy: allow({ Principal: { AWS: `arn:aws-cn:iam::${ACCT}:role/Admin` } }),
    request: { principal: `arn:aws-cn:sts::${ACCT}:assumed-role/Admin/s` },
    expected: 'Allow',
  },
  {
    name: 'a role ARN in aws-cn: not sessions in aws',
    policy: allow({ Principal: { AWS: `arn:aws-cn:iam::${ACCT}:role/Admin` } }),
    request: { principal: ADMIN_SESSION },
    expected: 'NoMatch',
  },
  { name: 'a session ARN: that session', policy: allow({ Principal: { AWS: ADMIN_SESSION } }), request: { principal: ADMIN_SESSION }, expected: 'Allow' },
  {
    name: 'a session ARN: not another session of the role',
    policy: allow({ Principal: { AWS: ADMIN_SESSION } }),
    request: { principal: `arn:aws:sts::${ACCT}:assumed-role/Admin/other` },
    expected: 'NoMatch',
  },
  { name: 'a session ARN: not the role', policy: allow({ Principal: { AWS: ADMIN_SESSION } }), request: { principal: ADMIN_ROLE }, expected: 'NoMatch' },
  { name: 'a service principal never matches a caller', policy: allow({ Principal: { Service: 'logs.amazonaws.com' } }), expected: 'NoMatch' },
  { name: 'a service principal "*" is still no caller', policy: allow({ Principal: { Service: '*' } }), expected: 'NoMatch' },
  {
    name: 'a service principal next to an AWS principal: the AWS one counts',
    policy: allow({ Principal: { Service: 'logs.amazonaws.com', AWS: ALICE } }),
    expected: 'Allow',
  },
  { name: 'Federated principals never match a caller', policy: allow({ Principal: { Federated: 'cognito-identity.amazonaws.com' } }), expected: 'NoMatch' },
  { name: 'NotPrincipal: everyone but the named user (someone else)', policy: allow({ Principal: undefined, NotPrincipal: { AWS: BOB } }), expected: 'Allow' },
  {
    name: 'NotPrincipal: everyone but the named user (that user)',
    policy: allow({ Principal: undefined, NotPrincipal: { AWS: BOB } }),
    request: { principal: BOB },
    expected: 'NoMatch',
  },
  {
    name: 'NotPrincipal with a role also spares its sessions',
    policy: policy(allowAll, { Effect: 'Deny', NotPrincipal: { AWS: ADMIN_ROLE }, Action: 'kms:*', Resource: '*' }),
    request: { principal: ADMIN_SESSION },
    expected: 'Allow',
  },
  {
    name: 'a Deny with NotPrincipal hits everyone else',
    policy: policy(allowAll, { Effect: 'Deny', NotPrincipal: { AWS: ADMIN_ROLE }, Action: 'kms:*', Resource: '*' }),
    request: { principal: ALICE },
    expected: 'Deny',
  },
  {
    name: 'NotPrincipal with the account root excludes the whole account',
    policy: allow({ Principal: undefined, NotPrincipal: { AWS: ROOT } }),
    request: { principal: BOB },
    expected: 'NoMatch',
  },
  {
    name: 'NotPrincipal with the account root includes other accounts',
    policy: allow({ Principal: undefined, NotPrincipal: { AWS: ROOT } }),
    request: { principal: OTHER_USER },
    expected: 'Allow',
  },
  { name: 'NotPrincipal "*" matches no one', policy: allow({ Principal: undefined, NotPrincipal: '*' }), expected: 'NoMatch' },
  { name: 'NotPrincipal with a service matches every caller', policy: allow({ Principal: undefined, NotPrincipal: { Service: 'logs.amazonaws.com' } }), expected: 'Allow' },
]);

// ---------------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------------

interface ConditionCase {
  name: string;
  condition: Record<string, Record<string, unknown>>;
  context: Record<string, ContextValue>;
  expected: 'Allow' | 'NoMatch';
}

const conditionCases: ConditionCase[] = [];
function cases(operator: string, key: string, policyValue: unknown, rows: [string, ContextValue, 'Allow' | 'NoMatch'][]): void {
  for (const [name, value, expected] of rows) {
    conditionCases.push({
      name: `${operator} ${JSON.stringify(policyValue)} vs ${name}`,
      condition: { [operator]: { [key]: policyValue } },
      context: value === undefined ? {} : { [key]: value },
      expected,
    });
  }
}

const EC = 'kms:EncryptionContext:Dept';
const KEYS = 'kms:EncryptionContextKeys';

// --- strings ---
cases('StringEquals', EC, 'Finance', [
  ['the same string', 'Finance', 'Allow'],
  ['another string', 'HR', 'NoMatch'],
  ['another case', 'finance', 'NoMatch'],
  ['a longer string', 'Finance2', 'NoMatch'],
  ['an absent key', undefined, 'NoMatch'],
]);
cases('StringEquals', EC, ['HR', 'Finance'], [
  ['one of the values', 'Finance', 'Allow'],
  ['none of the values', 'Legal', 'NoMatch'],
]);
cases('StringEquals', EC, 'Fin*', [['a string the literal "*" would fit as a wildcard', 'Finance', 'NoMatch'], ['the literal string', 'Fin*', 'Allow']]);
cases('StringEquals', 'kms:CallerAccount', 111122223333, [['a number value equal to the JSON number', 111122223333, 'Allow'], ['a string value', ACCT, 'Allow']]);
cases('StringEquals', 'kms:MultiRegion', 'true', [['a boolean true', true, 'Allow'], ['a boolean false', false, 'NoMatch']]);
cases('StringNotEquals', EC, 'Finance', [
  ['another string', 'HR', 'Allow'],
  ['the same string', 'Finance', 'NoMatch'],
  ['another case', 'finance', 'Allow'],
  ['an absent key', undefined, 'Allow'],
]);
cases('StringNotEquals', EC, ['HR', 'Finance'], [
  ['one of the values (not equal to ANY of them is required)', 'HR', 'NoMatch'],
  ['none of the values', 'Legal', 'Allow'],
]);
cases('StringEqualsIgnoreCase', EC, 'Finance', [
  ['another case', 'FINANCE', 'Allow'],
  ['another string', 'Finances', 'NoMatch'],
  ['an absent key', undefined, 'NoMatch'],
]);
cases('StringNotEqualsIgnoreCase', EC, 'Finance', [
  ['another case', 'fINANCE', 'NoMatch'],
  ['another string', 'HR', 'Allow'],
  ['an absent key', undefined, 'Allow'],
]);
cases('StringLike', EC, 'Fin*', [
  ['a fitting string', 'Finance', 'Allow'],
  ['the prefix alone', 'Fin', 'Allow'],
  ['another case', 'finance', 'NoMatch'],
  ['a string with the prefix inside', 'xFinance', 'NoMatch'],
  ['an absent key', undefined, 'NoMatch'],
]);
cases('StringLike', EC, 'F?n', [['one character for "?"', 'Fun', 'Allow'], ['two characters for "?"', 'Foon', 'NoMatch']]);
cases('StringLike', EC, '*a*e*', [['a string with both', 'Finance', 'Allow'], ['a string with only one', 'Fan', 'NoMatch']]);
cases('StringLike', EC, '*', [['an empty string', '', 'Allow']]);
cases('StringLike', EC, ['HR*', '*nce'], [['a string fitting the second', 'Finance', 'Allow'], ['a string fitting neither', 'Legal', 'NoMatch']]);
cases('StringLike', EC, '*nce', [['a string ending so', 'Finance', 'Allow'], ['a string with it inside only', 'Financed', 'NoMatch']]);
cases('StringNotLike', EC, 'Fin*', [
  ['a fitting string', 'Finance', 'NoMatch'],
  ['another string', 'HR', 'Allow'],
  ['an absent key', undefined, 'Allow'],
]);

// --- numbers ---
const DAYS = 'kms:ScheduleKeyDeletionPendingWindowInDays';
cases('NumericEquals', DAYS, '30', [
  ['the same number', 30, 'Allow'],
  ['the same number as a string', '30', 'Allow'],
  ['the same value written differently', '30.0', 'Allow'],
  ['another number', 31, 'NoMatch'],
  ['a string that is no number', 'thirty', 'NoMatch'],
  ['an absent key', undefined, 'NoMatch'],
]);
cases('NumericEquals', DAYS, 30, [['the JSON number', 30, 'Allow']]);
cases('NumericEquals', DAYS, '1.5', [['a decimal', 1.5, 'Allow'], ['another decimal', 1.25, 'NoMatch']]);
cases('NumericEquals', DAYS, 'abc', [['a policy value that is no number', 1, 'NoMatch']]);
cases('NumericEquals', DAYS, '0x1E', [['30 (hexadecimal is no number here)', 30, 'NoMatch']]);
cases('NumericEquals', DAYS, '0', [['an empty string (not zero)', '', 'NoMatch'], ['a string in hexadecimal', '0x0', 'NoMatch'], ['zero', '0', 'Allow']]);
cases('NumericNotEquals', DAYS, '30', [
  ['another number', 7, 'Allow'],
  ['the same number', 30, 'NoMatch'],
  ['an absent key', undefined, 'Allow'],
]);
cases('NumericNotEquals', DAYS, ['7', '30'], [['one of the values', 7, 'NoMatch'], ['none of the values', 8, 'Allow']]);
cases('NumericLessThan', DAYS, '30', [['a smaller number', 7, 'Allow'], ['the same number', 30, 'NoMatch'], ['a larger number', 31, 'NoMatch']]);
cases('NumericLessThan', DAYS, ['10', '20'], [['a number under one of them', 15, 'Allow'], ['a number under neither', 25, 'NoMatch']]);
cases('NumericLessThanEquals', DAYS, '30', [['the same number', 30, 'Allow'], ['a larger number', 30.5, 'NoMatch']]);
cases('NumericGreaterThan', DAYS, '7', [['a larger number', 8, 'Allow'], ['the same number', 7, 'NoMatch'], ['a negative number', -8, 'NoMatch']]);
cases('NumericGreaterThanEquals', DAYS, '7', [['the same number', 7, 'Allow'], ['a smaller number', 6, 'NoMatch'], ['an absent key', undefined, 'NoMatch']]);

// --- dates ---
const NOW = 'aws:CurrentTime';
cases('DateLessThan', NOW, '2030-01-01T00:00:00Z', [
  ['an earlier Date', new Date('2025-06-01T00:00:00Z'), 'Allow'],
  ['a later Date', new Date('2031-01-01T00:00:00Z'), 'NoMatch'],
  ['the same instant', new Date('2030-01-01T00:00:00Z'), 'NoMatch'],
  ['an earlier ISO string', '2029-12-31T23:59:59Z', 'Allow'],
  ['an earlier epoch number', 1_700_000_000, 'Allow'],
  ['a string that is no date', 'yesterday', 'NoMatch'],
  ['an absent key', undefined, 'NoMatch'],
]);
cases('DateLessThanEquals', NOW, '2030-01-01T00:00:00Z', [['the same instant', new Date('2030-01-01T00:00:00Z'), 'Allow'], ['one second later', new Date('2030-01-01T00:00:01Z'), 'NoMatch']]);
cases('DateGreaterThan', NOW, '1700000000', [
  ['a second after the epoch value', new Date(1_700_000_001_000), 'Allow'],
  ['the epoch value itself', new Date(1_700_000_000_000), 'NoMatch'],
]);
cases('DateGreaterThan', NOW, 1700000000, [['a later instant (JSON number policy value)', new Date(1_800_000_000_000), 'Allow']]);
cases('DateGreaterThanEquals', NOW, '2024-05-01', [
  ['midnight of that day', new Date('2024-05-01T00:00:00Z'), 'Allow'],
  ['the second before', new Date('2024-04-30T23:59:59Z'), 'NoMatch'],
]);
cases('DateEquals', NOW, '2024-05-01T12:00:00Z', [
  ['the same second, with milliseconds (one-second precision)', new Date('2024-05-01T12:00:00.700Z'), 'Allow'],
  ['the next second', new Date('2024-05-01T12:00:01Z'), 'NoMatch'],
]);
cases('DateEquals', NOW, '2024-05-01T14:00:00+02:00', [['the same instant in UTC (offset honoured)', new Date('2024-05-01T12:00:00Z'), 'Allow'], ['14:00 UTC', new Date('2024-05-01T14:00:00Z'), 'NoMatch']]);
cases('DateEquals', NOW, '2024-05-01T09:30:00-0230', [['the same instant in UTC (offset without colon)', new Date('2024-05-01T12:00:00Z'), 'Allow']]);
cases('DateEquals', NOW, '2024-05-01T12:00:00', [['noon UTC (no offset means UTC)', new Date('2024-05-01T12:00:00Z'), 'Allow']]);
cases('DateEquals', NOW, '2024-05-01T12:00', [['noon UTC (minutes precision)', new Date('2024-05-01T12:00:00Z'), 'Allow']]);
cases('DateEquals', NOW, '2024-02-30T00:00:00Z', [['the day Date.UTC would roll it over to', new Date('2024-03-01T00:00:00Z'), 'NoMatch']]);
cases('DateEquals', NOW, 'soon', [['any instant (policy value no date)', new Date('2024-03-01T00:00:00Z'), 'NoMatch']]);
cases('DateNotEquals', NOW, '2024-05-01T12:00:00Z', [
  ['another instant', new Date('2024-05-01T12:00:01Z'), 'Allow'],
  ['the same instant', new Date('2024-05-01T12:00:00Z'), 'NoMatch'],
  ['an absent key', undefined, 'Allow'],
]);
cases('DateLessThan', 'aws:EpochTime', '2030-01-01T00:00:00Z', [['epoch seconds before', 1_893_455_999, 'Allow'], ['epoch seconds at', 1_893_456_000, 'NoMatch']]);

// --- booleans ---
const BOOL = 'kms:GrantIsForAWSResource';
cases('Bool', BOOL, 'true', [
  ['true', true, 'Allow'],
  ['false', false, 'NoMatch'],
  ['the string "true"', 'true', 'Allow'],
  ['the string "TRUE"', 'TRUE', 'Allow'],
  ['the string "yes"', 'yes', 'NoMatch'],
  ['the number 1', 1, 'NoMatch'],
  ['an absent key', undefined, 'NoMatch'],
]);
cases('Bool', BOOL, 'false', [['false', false, 'Allow'], ['true', true, 'NoMatch']]);
cases('Bool', BOOL, true, [['true (JSON boolean policy value)', true, 'Allow']]);
cases('Bool', BOOL, 'True', [['true (policy value in another case)', true, 'Allow']]);

// --- binary ---
cases('BinaryEquals', 'x:Blob', 'QmluYXJ5', [
  ['the same base64', 'QmluYXJ5', 'Allow'],
  ['other bytes', 'T3RoZXI=', 'NoMatch'],
  ['a number', 5, 'NoMatch'],
  ['an absent key', undefined, 'NoMatch'],
]);
cases('BinaryEquals', 'x:Blob', 'AAE=', [['the same bytes without padding', 'AAE', 'Allow']]);
cases('BinaryEquals', 'x:Blob', 'AAE', [['the same bytes with padding (policy value without)', 'AAE=', 'Allow']]);

// --- IP addresses ---
const IP = 'aws:SourceIp';
cases('IpAddress', IP, '10.0.0.0/8', [
  ['an address inside', '10.1.2.3', 'Allow'],
  ['an address outside', '11.0.0.1', 'NoMatch'],
  ['an IPv4-mapped IPv6 address inside', '::ffff:10.9.9.9', 'Allow'],
  ['an IPv6 address', '2001:db8::1', 'NoMatch'],
  ['a CIDR as the request value', '10.0.0.0/8', 'NoMatch'],
  ['no address', 'localhost', 'NoMatch'],
  ['an octet over 255', '10.0.0.256', 'NoMatch'],
  ['an absent key', undefined, 'NoMatch'],
]);
cases('IpAddress', IP, '192.0.2.7', [['the same address (no prefix is /32)', '192.0.2.7', 'Allow'], ['the neighbour', '192.0.2.8', 'NoMatch']]);
cases('IpAddress', IP, '203.0.113.0/31', [['the second address of a /31', '203.0.113.1', 'Allow'], ['the first address after it', '203.0.113.2', 'NoMatch']]);
cases('IpAddress', IP, '10.1.2.3/8', [['an address inside (host bits in the block ignored)', '10.200.0.1', 'Allow']]);
cases('IpAddress', IP, '0.0.0.0/0', [['any IPv4 address', '198.51.100.4', 'Allow']]);
cases('IpAddress', IP, '128.0.0.0/1', [['an address with the top bit set', '200.1.1.1', 'Allow'], ['an address without it', '127.255.255.255', 'NoMatch']]);
cases('IpAddress', IP, ['192.0.2.0/24', '198.51.100.0/24'], [['an address in the second block', '198.51.100.200', 'Allow'], ['an address in neither', '203.0.113.1', 'NoMatch']]);
cases('IpAddress', IP, '2001:db8::/32', [
  ['an IPv6 address inside', '2001:db8:1::5', 'Allow'],
  ['an IPv6 address inside, upper case', '2001:DB8:FFFF::1', 'Allow'],
  ['an IPv6 address outside', '2001:db9::1', 'NoMatch'],
  ['an IPv4 address', '10.0.0.1', 'NoMatch'],
]);
cases('IpAddress', IP, '2001:db8:abcd:12::/63', [['an address in the /63', '2001:db8:abcd:13:1::1', 'Allow'], ['the next /63', '2001:db8:abcd:14::1', 'NoMatch']]);
cases('IpAddress', IP, '2001:db8::1', [['the same address written in full', '2001:0db8:0000:0000:0000:0000:0000:0001', 'Allow'], ['the next address', '2001:db8::2', 'NoMatch']]);
cases('IpAddress', IP, 'fe80::/10', [['a link-local address with a zone', 'fe80::1%eth0', 'Allow']]);
cases('IpAddress', IP, '::/0', [['any IPv6 address', 'ff02::1', 'Allow'], ['a malformed IPv6 address', '1::2::3', 'NoMatch']]);
cases('IpAddress', IP, '::/0', [['an IPv4 address (families do not mix)', '10.0.0.1', 'NoMatch']]);
cases('IpAddress', IP, '0.0.0.0/0', [['an IPv6 address (families do not mix)', '2001:db8::1', 'NoMatch']]);
cases('IpAddress', IP, '::ffff:10.0.0.0/104', [['an IPv4 address in the mapped block', '10.3.3.3', 'Allow'], ['an IPv4 address outside it', '11.3.3.3', 'NoMatch']]);
cases('IpAddress', IP, '10.0.0.0/33', [['any address (the block is invalid)', '10.0.0.1', 'NoMatch']]);
cases('NotIpAddress', IP, '10.0.0.0/8', [
  ['an address inside', '10.1.1.1', 'NoMatch'],
  ['an address outside', '8.8.8.8', 'Allow'],
  ['an absent key', undefined, 'Allow'],
]);

// --- ARNs ---
const PARN = 'aws:PrincipalArn';
cases('ArnLike', PARN, `arn:aws:iam::${ACCT}:role/*`, [
  ['a role of the account', ADMIN_ROLE, 'Allow'],
  ['a user of the account', ALICE, 'NoMatch'],
  ['a role of another account', `arn:aws:iam::${OTHER}:role/Admin`, 'NoMatch'],
  ['something that is no ARN', 'Admin', 'NoMatch'],
  ['an absent key', undefined, 'NoMatch'],
]);
cases('ArnLike', PARN, 'arn:aws:iam::*:role/Admin', [['the role in another account', `arn:aws:iam::${OTHER}:role/Admin`, 'Allow']]);
cases('ArnLike', 'aws:SourceArn', `arn:aws:kms:*:${ACCT}:key/*`, [
  // a whole-string glob would let "*" run over the extra ":x" part
  ['an ARN whose parts shift by one colon', `arn:aws:kms:us-east-1:x:${ACCT}:key/abc`, 'NoMatch'],
  ['a key ARN', KEY, 'Allow'],
]);
cases('ArnLike', 'aws:SourceArn', `arn:aws:logs:us-east-1:${ACCT}:log-group:*`, [
  ['a resource with colons (the last part may contain them)', `arn:aws:logs:us-east-1:${ACCT}:log-group:app:log-stream:x`, 'Allow'],
]);
cases('ArnLike', PARN, 'arn:aws:iam:*:role/Admin', [['a role (policy value with five parts never matches)', ADMIN_ROLE, 'NoMatch']]);
cases('ArnLike', PARN, '*', [['a role (a bare "*" is no ARN pattern)', ADMIN_ROLE, 'NoMatch']]);
cases('ArnLike', PARN, ADMIN_ROLE.replace('Admin', 'admin'), [['the role (ARNs are case-sensitive)', ADMIN_ROLE, 'NoMatch']]);
cases('ArnEquals', PARN, `arn:aws:iam::${ACCT}:role/Adm?n`, [['the role (ArnEquals takes wildcards like ArnLike)', ADMIN_ROLE, 'Allow']]);
cases('ArnEquals', PARN, ADMIN_ROLE, [['the role', ADMIN_ROLE, 'Allow'], ['a session of the role', ADMIN_SESSION, 'NoMatch']]);
cases('ArnNotEquals', PARN, ADMIN_ROLE, [['the role', ADMIN_ROLE, 'NoMatch'], ['another principal', ALICE, 'Allow'], ['an absent key', undefined, 'Allow']]);
cases('ArnNotLike', PARN, `arn:aws:iam::${ACCT}:user/*`, [['a user', BOB, 'NoMatch'], ['a role', ADMIN_ROLE, 'Allow'], ['an absent key', undefined, 'Allow']]);

// --- Null ---
cases('Null', EC, 'true', [
  ['an absent key', undefined, 'Allow'],
  ['a present key', 'Finance', 'NoMatch'],
  ['an empty list (no values)', [], 'Allow'],
  ['a present empty string', '', 'NoMatch'],
]);
cases('Null', EC, 'false', [['a present key', 'Finance', 'Allow'], ['an absent key', undefined, 'NoMatch'], ['a present false', false, 'Allow']]);
cases('Null', EC, false, [['a present key (JSON boolean policy value)', 'x', 'Allow']]);
cases('Null', EC, 'TRUE', [['an absent key (value in another case)', undefined, 'Allow']]);
cases('Null', EC, ['true', 'false'], [['an absent key', undefined, 'Allow'], ['a present key', 'x', 'Allow']]);
cases('Null', EC, 'maybe', [['an absent key', undefined, 'NoMatch'], ['a present key', 'x', 'NoMatch']]);

// --- ...IfExists ---
cases('StringEqualsIfExists', EC, 'Finance', [['an absent key', undefined, 'Allow'], ['the same value', 'Finance', 'Allow'], ['another value', 'HR', 'NoMatch']]);
cases('StringNotEqualsIfExists', EC, 'Finance', [['an absent key', undefined, 'Allow'], ['the same value', 'Finance', 'NoMatch'], ['another value', 'HR', 'Allow']]);
cases('StringLikeIfExists', EC, 'Fin*', [['an absent key', undefined, 'Allow'], ['another value', 'HR', 'NoMatch']]);
cases('NumericLessThanIfExists', DAYS, '30', [['an absent key', undefined, 'Allow'], ['a larger number', 40, 'NoMatch'], ['a smaller number', 7, 'Allow']]);
cases('DateGreaterThanIfExists', NOW, '2020-01-01T00:00:00Z', [['an absent key', undefined, 'Allow'], ['an earlier Date', new Date('2019-01-01T00:00:00Z'), 'NoMatch']]);
cases('BoolIfExists', BOOL, 'true', [['an absent key', undefined, 'Allow'], ['false', false, 'NoMatch']]);
cases('IpAddressIfExists', IP, '10.0.0.0/8', [['an absent key', undefined, 'Allow'], ['an address outside', '8.8.8.8', 'NoMatch']]);
cases('ArnLikeIfExists', PARN, `arn:aws:iam::${ACCT}:role/*`, [['an absent key', undefined, 'Allow'], ['a user', ALICE, 'NoMatch']]);
cases('BinaryEqualsIfExists', 'x:Blob', 'QmluYXJ5', [['an absent key', undefined, 'Allow'], ['other bytes', 'T3RoZXI=', 'NoMatch']]);
cases('StringEqualsIfExists', KEYS, 'Dept', [['an empty list (absent)', [], 'Allow']]);

// --- multi-valued keys ---
cases('StringEquals', KEYS, 'Dept', [
  ['a list holding the value (no set prefix: any element)', ['App', 'Dept'], 'Allow'],
  ['a list without the value', ['App', 'Team'], 'NoMatch'],
  ['an empty list', [], 'NoMatch'],
]);
cases('StringNotEquals', KEYS, 'Dept', [
  ['a list holding the value (no set prefix: no element may match)', ['App', 'Dept'], 'NoMatch'],
  ['a list without the value', ['App', 'Team'], 'Allow'],
  ['an empty list', [], 'Allow'],
]);
cases('ForAnyValue:StringEquals', KEYS, ['Dept', 'Team'], [
  ['a list with one of them', ['App', 'Team'], 'Allow'],
  ['a list with none of them', ['App', 'Env'], 'NoMatch'],
  ['a single value that is one of them', 'Dept', 'Allow'],
  ['an absent key', undefined, 'NoMatch'],
  ['an empty list', [], 'NoMatch'],
]);
cases('ForAnyValue:StringLike', KEYS, 'app*', [['a list with a fitting element', ['dept', 'app-id'], 'Allow'], ['a list without', ['dept', 'App'], 'NoMatch']]);
cases('ForAnyValue:StringNotEquals', KEYS, 'Dept', [
  ['a list with another value besides it', ['Dept', 'Team'], 'Allow'],
  ['a list of only that value', ['Dept'], 'NoMatch'],
  ['an absent key (ForAnyValue on nothing is false)', undefined, 'NoMatch'],
]);
cases('ForAnyValue:StringEqualsIfExists', KEYS, 'Dept', [['an absent key', undefined, 'Allow'], ['a list without it', ['Team'], 'NoMatch']]);
cases('ForAllValues:StringEquals', KEYS, ['Dept', 'Team', 'App'], [
  ['a list that is a subset', ['Dept', 'App'], 'Allow'],
  ['a list with one value outside', ['Dept', 'Env'], 'NoMatch'],
  ['a single value inside', 'Team', 'Allow'],
  ['an absent key (ForAllValues on nothing is true)', undefined, 'Allow'],
  ['an empty list', [], 'Allow'],
]);
cases('ForAllValues:StringEqualsIgnoreCase', KEYS, ['dept', 'team'], [['a list differing only in case', ['DEPT', 'Team'], 'Allow'], ['a list with another value', ['DEPT', 'Env'], 'NoMatch']]);
cases('ForAllValues:StringNotLike', KEYS, 'key1*', [
  ['a list with a value fitting it', ['key1:legal'], 'NoMatch'],
  ['a list with one fitting and one not', ['key1:hr', 'key2:x'], 'NoMatch'],
  ['a list of values not fitting it', ['key2:audit'], 'Allow'],
  ['an absent key', undefined, 'Allow'],
]);
cases('ForAllValues:NumericLessThan', 'x:Sizes', '10', [['all smaller', ['1', '9'], 'Allow'], ['one not', ['1', '10'], 'NoMatch']]);
cases('ForAnyValue:ArnLike', 'kms:ResourceAliases', 'arn:aws:kms:*:*:alias/app-*', [
  ['a list with a fitting ARN', ['arn:aws:kms:us-east-1:1:alias/other', `arn:aws:kms:us-east-1:${ACCT}:alias/app-1`], 'Allow'],
  ['a list without', ['arn:aws:kms:us-east-1:1:alias/other'], 'NoMatch'],
]);

// --- operator-name case ---
cases('stringequals', EC, 'Finance', [['the same string (operator in lower case)', 'Finance', 'Allow'], ['another string (operator in lower case)', 'HR', 'NoMatch']]);
cases('forallvalues:stringequalsifexists', KEYS, 'Dept', [['an empty list (lower-case operator)', [], 'Allow'], ['another value (lower-case operator)', ['Team'], 'NoMatch']]);

// --- policy variables are literal ---
cases('StringLike', PARN, '${aws:username}*', [['the literal text', '${aws:username}-x', 'Allow'], ['what a variable would expand to', 'alice-x', 'NoMatch']]);

for (const c of conditionCases) {
  test(`condition: ${c.name}`, () => {
    assert.equal(decide(allow({ Condition: c.condition }), { context: c.context }), c.expected);
    // The same condition on a Deny statement gives the mirror answer: the condition, not the effect, decides.
    const denyDecision = decide(policy(allowAll, { ...allowAll, Effect: 'Deny', Condition: c.condition }), { context: c.context });
    assert.equal(denyDecision, c.expected === 'Allow' ? 'Deny' : 'Allow');
  });
}

test('condition table: every operator is seen both holding and failing', () => {
  const seen = new Map<string, Set<string>>();
  for (const c of conditionCases) {
    for (const operator of Object.keys(c.condition)) {
      const base = operator.toLowerCase().replace(/^for(any|all)values?:/, '').replace(/ifexists$/, '');
      if (!seen.has(base)) seen.set(base, new Set());
      seen.get(base)!.add(c.expected);
    }
  }
  const operators = [
    'stringequals', 'stringnotequals', 'stringequalsignorecase', 'stringnotequalsignorecase', 'stringlike', 'stringnotlike',
    'numericequals', 'numericnotequals', 'numericlessthan', 'numericlessthanequals', 'numericgreaterthan', 'numericgreaterthanequals',
    'dateequals', 'datenotequals', 'datelessthan', 'datelessthanequals', 'dategreaterthan', 'dategreaterthanequals',
    'bool', 'binaryequals', 'ipaddress', 'notipaddress', 'arnequals', 'arnnotequals', 'arnlike', 'arnnotlike', 'null',
  ];
  for (const o of operators) assert.deepEqual([...(seen.get(o) ?? [])].sort(), ['Allow', 'NoMatch'], o);
});

// --- combining conditions ---
run('conditions combined', [
  {
    name: 'two operators are AND-ed (both hold)',
    policy: allow({ Condition: { StringEquals: { [EC]: 'Finance' }, NumericLessThan: { [DAYS]: '30' } } }),
    request: { context: { [EC]: 'Finance', [DAYS]: 7 } },
    expected: 'Allow',
  },
  {
    name: 'two operators are AND-ed (one fails)',
    policy: allow({ Condition: { StringEquals: { [EC]: 'Finance' }, NumericLessThan: { [DAYS]: '30' } } }),
    request: { context: { [EC]: 'Finance', [DAYS]: 31 } },
    expected: 'NoMatch',
  },
  {
    name: 'two keys under one operator are AND-ed (both hold)',
    policy: allow({ Condition: { StringEquals: { [EC]: 'Finance', 'kms:EncryptionContext:Team': 'Ops' } } }),
    request: { context: { [EC]: 'Finance', 'kms:EncryptionContext:Team': 'Ops' } },
    expected: 'Allow',
  },
  {
    name: 'two keys under one operator are AND-ed (one absent)',
    policy: allow({ Condition: { StringEquals: { [EC]: 'Finance', 'kms:EncryptionContext:Team': 'Ops' } } }),
    request: { context: { [EC]: 'Finance' } },
    expected: 'NoMatch',
  },
  {
    name: 'three conditions, all holding',
    policy: allow({
      Condition: {
        StringEquals: { 'kms:CallerAccount': ACCT },
        'ForAllValues:StringEquals': { [KEYS]: ['Dept', 'App'] },
        IpAddress: { [IP]: '10.0.0.0/8' },
      },
    }),
    request: { context: { 'kms:CallerAccount': ACCT, [KEYS]: ['Dept'], [IP]: '10.0.0.1' } },
    expected: 'Allow',
  },
  {
    name: 'an empty operator block holds',
    policy: allow({ Condition: { StringEquals: {} } }),
    expected: 'Allow',
  },
]);

// ---------------------------------------------------------------------------------------------------
// Contract details: lookups, laziness, caching
// ---------------------------------------------------------------------------------------------------

test('condition keys are looked up as written in the policy (the lookup ignores case)', () => {
  const asked: string[] = [];
  const doc = parsePolicy(JSON.stringify(allow({ Condition: { StringEquals: { 'KMS:EncryptionContext:Dept': 'Finance' } } })));
  const decision = evaluatePolicy(doc, {
    ...request(),
    context: (key) => {
      asked.push(key);
      return key.toLowerCase() === 'kms:encryptioncontext:dept' ? 'Finance' : undefined;
    },
  });
  assert.equal(decision, 'Allow');
  assert.deepEqual(asked, ['KMS:EncryptionContext:Dept']);
});

test('condition values are not asked for when action, resource or principal rule the statement out', () => {
  let asked = 0;
  const doc = parsePolicy(JSON.stringify(allow({ Action: 'kms:Decrypt', Condition: { StringEquals: { [EC]: 'x' } } })));
  const context = () => {
    asked++;
    return 'x';
  };
  assert.equal(evaluatePolicy(doc, { ...request(), context }), 'NoMatch');
  assert.equal(evaluatePolicy(doc, { ...request({ action: 'kms:Decrypt', resource: OTHER_KEY }), context }), 'Allow');
  assert.equal(evaluatePolicy(doc, { ...request({ action: 'kms:Decrypt', principal: OTHER_USER }), context }), 'NoMatch');
  assert.equal(asked, 1);
});

test('once allowed, later Allow statements are not evaluated but Deny statements are', () => {
  const asked: string[] = [];
  const doc = parsePolicy(
    JSON.stringify(
      policy(
        allowAll,
        { ...allowAll, Condition: { StringEquals: { 'x:AllowKey': 'v' } } },
        { ...allowAll, Effect: 'Deny', Condition: { StringEquals: { 'x:DenyKey': 'v' } } },
      ),
    ),
  );
  const decision = evaluatePolicy(doc, {
    ...request(),
    context: (key) => {
      asked.push(key);
      return undefined;
    },
  });
  assert.equal(decision, 'Allow');
  assert.deepEqual(asked, ['x:DenyKey']);
});

test('evaluating the same document twice gives the same answers (compiled form cached per document)', () => {
  const doc = parsePolicy(JSON.stringify(allow({ Action: 'kms:Gen*', Condition: { StringLike: { [EC]: 'Fin*' } } })));
  const yes = request({ action: 'kms:GenerateDataKey', context: { [EC]: 'Finance' } });
  const no = request({ action: 'kms:GenerateDataKey', context: { [EC]: 'HR' } });
  for (let i = 0; i < 3; i++) {
    assert.equal(evaluatePolicy(doc, yes), 'Allow');
    assert.equal(evaluatePolicy(doc, no), 'NoMatch');
  }
});

test('a hand-built document without Principal or with an unknown operator fails closed', () => {
  const noPrincipal: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: ['kms:*'], Resource: ['*'] }] };
  assert.equal(evaluatePolicy(noPrincipal, request()), 'NoMatch');
  const badOperator: PolicyDocument = {
    Statement: [{ Effect: 'Allow', Principal: '*', Action: ['kms:*'], Resource: ['*'], Condition: { Bogus: { 'x:y': ['1'] } } }],
  };
  assert.equal(evaluatePolicy(badOperator, request({ context: { 'x:y': '1' } })), 'NoMatch');
});

test('many distinct patterns (more than the pattern cache holds) still match correctly', () => {
  for (let i = 0; i < 5000; i++) {
    const doc = parsePolicy(JSON.stringify(allow({ Action: `kms:Op${i}-*` })));
    assert.equal(evaluatePolicy(doc, request({ action: `kms:Op${i}-x` })), 'Allow');
    assert.equal(evaluatePolicy(doc, request({ action: `kms:Op${i + 1}-x` })), 'NoMatch');
  }
});
