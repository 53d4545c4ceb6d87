/** The local credentials file: the default, the test fixture, and the messages for bad files. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CredentialsFileError,
  DEFAULT_CREDENTIALS_FILE,
  credentialsFilePath,
  loadCredentials,
  loadCredentialsFile,
  parseCredentials,
} from '../../infra/local/credentials.js';
import { PRINCIPALS, type TestPrincipal } from '../integration/principals.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/credentials.json', import.meta.url));
const ROOT = { accessKeyId: 'test', secretAccessKey: 'test', principalArn: 'arn:aws:iam::111122223333:root' };

/** parseCredentials must throw a CredentialsFileError whose message matches every pattern. */
function rejects(json: unknown, ...patterns: RegExp[]) {
  assert.throws(
    () => parseCredentials(json, '/somewhere/creds.json'),
    (error: unknown) => {
      assert.ok(error instanceof CredentialsFileError, String(error));
      assert.match(error.message, /^credentials file \/somewhere\/creds\.json: /);
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('credentials file', () => {
  it('the default file makes test/test the root of 111122223333', () => {
    const store = loadCredentialsFile();
    assert.equal(store.source, DEFAULT_CREDENTIALS_FILE);
    assert.equal(store.principals.length, 1);
    const root = store.get('test');
    assert.deepEqual(root, {
      accessKeyId: 'test',
      secretAccessKey: 'test',
      principalArn: 'arn:aws:iam::111122223333:root',
      accountId: '111122223333',
      kind: 'root',
      callerId: '111122223333',
    });
    assert.equal(store.get('TEST'), undefined, 'access key ids are case-sensitive');
  });

  it('KMS_CREDENTIALS_FILE names the file (relative to the working directory); without it the default is used', () => {
    assert.equal(credentialsFilePath({}), DEFAULT_CREDENTIALS_FILE);
    assert.equal(credentialsFilePath({ KMS_CREDENTIALS_FILE: '' }), DEFAULT_CREDENTIALS_FILE);
    assert.equal(credentialsFilePath({ KMS_CREDENTIALS_FILE: 'tests/fixtures/credentials.json' }), resolve('tests/fixtures/credentials.json'));
    assert.equal(loadCredentials({ KMS_CREDENTIALS_FILE: FIXTURE }).source, FIXTURE);
  });

  it('the test fixture holds exactly the principals of tests/integration/principals.ts', () => {
    const store = loadCredentialsFile(FIXTURE);
    assert.equal(store.principals.length, Object.keys(PRINCIPALS).length);
    for (const [name, expected] of Object.entries(PRINCIPALS) as Array<[string, TestPrincipal]>) {
      const entry = store.get(expected.accessKeyId);
      assert.ok(entry, `${name}: access key ${expected.accessKeyId} is not in the fixture`);
      assert.equal(entry.secretAccessKey, expected.secretAccessKey, name);
      assert.equal(entry.sessionToken, expected.sessionToken, name);
      assert.equal(entry.principalArn, expected.arn, name);
      assert.equal(entry.accountId, expected.account, name);
      assert.equal(entry.vpcEndpointId, expected.vpcEndpointId, name);
    }
    const accounts = new Set(store.principals.map((p) => p.accountId));
    assert.deepEqual([...accounts].sort(), ['111122223333', '444455556666']);
    assert.deepEqual(new Set(store.principals.map((p) => p.kind)), new Set(['root', 'user', 'assumed-role']));
  });

  it('derives the account, the kind and stable IAM-style unique ids from the ARN', () => {
    const store = parseCredentials([
      ROOT,
      { accessKeyId: 'u', secretAccessKey: 's', principalArn: 'arn:aws:iam::444455556666:user/division/team/carl' },
      { accessKeyId: 'r', secretAccessKey: 's', sessionToken: 't', principalArn: 'arn:aws:sts::444455556666:assumed-role/Admin-Role/alice@example.com' },
    ]);
    const user = store.get('u')!;
    assert.equal(user.accountId, '444455556666');
    assert.equal(user.kind, 'user');
    assert.match(user.callerId, /^AIDA[A-Z2-7]{17}$/);
    const session = store.get('r')!;
    assert.equal(session.kind, 'assumed-role');
    assert.equal(session.sessionToken, 't');
    assert.match(session.callerId, /^AROA[A-Z2-7]{17}:alice@example\.com$/);
    // Same ARN, same id (across restarts); another ARN, another id.
    const again = parseCredentials([{ accessKeyId: 'x', secretAccessKey: 'y', principalArn: 'arn:aws:iam::444455556666:user/division/team/carl' }]);
    assert.equal(again.get('x')!.callerId, user.callerId);
    const other = parseCredentials([{ accessKeyId: 'x', secretAccessKey: 'y', principalArn: 'arn:aws:iam::444455556666:user/carl' }]);
    assert.notEqual(other.get('x')!.callerId, user.callerId);
  });

  it('accepts a session token on a user or root entry and a vpcEndpointId on any entry', () => {
    const store = parseCredentials([
      { ...ROOT, sessionToken: 'federated' },
      { accessKeyId: 'v', secretAccessKey: 's', principalArn: 'arn:aws:iam::111122223333:user/v', vpcEndpointId: 'vpce-1a2b3c4d' },
    ]);
    assert.equal(store.get('test')!.sessionToken, 'federated');
    assert.equal(store.get('v')!.vpcEndpointId, 'vpce-1a2b3c4d');
  });

  it('refuses a file that is not a non-empty list of objects', () => {
    rejects({ accessKeyId: 'test' }, /expected a JSON list of credential entries, got an object/);
    rejects([], /the list is empty/);
    rejects([ROOT, 'test:test'], /entry 2: expected an object, got a string/);
    rejects([null], /entry 1: expected an object, got null/);
  });

  it('names the bad entry and what is wrong with it', () => {
    rejects([ROOT, { accessKeyId: 'alice', principalArn: 'arn:aws:iam::111122223333:user/alice' }], /entry 2 \(accessKeyId "alice"\): "secretAccessKey" is missing/);
    rejects([{ secretAccessKey: 's', principalArn: ROOT.principalArn }], /entry 1: "accessKeyId" is missing/);
    rejects([{ ...ROOT, secretAccessKey: '' }], /entry 1 \(accessKeyId "test"\): "secretAccessKey" must be a non-empty string/);
    rejects([{ ...ROOT, accessKeyId: 42 }], /entry 1: "accessKeyId" must be a non-empty string/);
    rejects([{ ...ROOT, accessKeyId: 'has/slash' }], /"accessKeyId" must be 1 to 128 letters, digits or underscores/);
    rejects([{ ...ROOT, secretKey: 'x' }], /unknown field "secretKey" \(allowed: accessKeyId, secretAccessKey, sessionToken, principalArn, vpcEndpointId\)/);
    rejects([{ ...ROOT, vpcEndpointId: 'vpc-123' }], /"vpcEndpointId" must look like vpce-0123456789abcdef0/);
    rejects([ROOT, { ...ROOT, principalArn: 'arn:aws:iam::444455556666:root' }], /entry 2 \(accessKeyId "test"\): the same accessKeyId as entry 1/);
  });

  it('accepts only root, user and assumed-role ARNs; a role session needs its token', () => {
    for (const arn of [
      'arn:aws:iam::11112222333:root', // 11 digits
      'arn:aws:iam::111122223333:role/app', // a role, not a session of it
      'arn:aws:iam::111122223333:group/admins',
      'arn:aws:sts::111122223333:federated-user/bob',
      'arn:aws:iam::111122223333:user/',
      'arn:aws:s3:::bucket',
      'arn:aws:iam::111122223333:user/bad name',
      'root',
    ]) {
      rejects([{ ...ROOT, principalArn: arn }], new RegExp(`"principalArn" must be arn:aws:iam::<12-digit account>:root, .*; got "${arn.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`));
    }
    rejects(
      [{ accessKeyId: 'r', secretAccessKey: 's', principalArn: 'arn:aws:sts::111122223333:assumed-role/app/s1' }],
      /entry 1 \(accessKeyId "r"\): an assumed-role session needs its "sessionToken"/,
    );
  });

  describe('reading files', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kms-credentials-test-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('says which file is missing or not JSON', async () => {
      const missing = join(dir, 'missing.json');
      assert.throws(() => loadCredentialsFile(missing), (error: Error) => {
        assert.ok(error instanceof CredentialsFileError);
        assert.equal(error.message, `credentials file ${missing}: cannot read it (ENOENT)`);
        return true;
      });
      const broken = join(dir, 'broken.json');
      await writeFile(broken, '[{"accessKeyId": "test",]');
      assert.throws(() => loadCredentialsFile(broken), new RegExp(`^CredentialsFileError: credentials file ${broken}: not valid JSON`));
    });

    it('loads a valid file', async () => {
      const path = join(dir, 'ok.json');
      await writeFile(path, JSON.stringify([ROOT]));
      assert.equal(loadCredentialsFile(path).get('test')?.accountId, '111122223333');
    });
  });
});
