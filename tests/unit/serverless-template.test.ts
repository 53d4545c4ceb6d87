/**
 * Checks the CloudFormation templates that `osls package` builds from serverless.yml for every region of
 * the default stage (conventions §13: least privilege per function, checked on the packaged templates,
 * not on the YAML), plus one package of the private-API variant.
 *
 * Packages with infra/tools/package.ts (what `npm run package` runs; offline, no credentials, ~5-15 s per
 * region on 2 cores), each region once, and only when its package in dist/<stage>/<region>/ is missing,
 * older than serverless.yml, infra/table-definition.json or infra/regions.json, or of another stage,
 * region or --param values. The private variant goes to dist/private-api/<stage>/<region>/.
 *
 * One template serves every region: CloudFormation resolves the conditions at deploy time. So the tests
 * resolve them the way CloudFormation will in each region (AWS::Region, Fn::If, Fn::Join, AWS::NoValue)
 * and check what each region's stack would hold: the table and the secret only in the primary region.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { unzip } from '../support/lambda-bundle.js';
import { ensurePackage, packageDir, regionsOf, ROOT, STATE_FILE, stageRegions, TEMPLATE_FILE } from '../../infra/tools/package.js';

const tableDefinitionPath = join(ROOT, 'infra', 'table-definition.json');
const stage = 'dev';
/** The default stage deploys where the local runtime replicates by default. */
const expectedRegions = ['us-east-1', 'us-west-2'];
const primaryRegion = 'us-east-1';

const tableName = `kms-${stage}`;
const secretName = `kms/${stage}/root-key`;
const functionName = `kms-${stage}-api`;
const functionNames = ['api', 'rotationJob', 'deletionJob', 'expiryJob', 'rotationRequest', 'regionFailure', 'credentials'];
const logicalId = (fn: string) => `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;
const privateApiParams = { privateApi: 'true', vpcEndpointIds: 'vpce-1' };
/** The IAM-authorizer variant, with its own stage throttling. */
const iamParams = { authMode: 'iam', throttleRate: '50', throttleBurst: '100' };

// CloudFormation JSON is untyped by nature: resource properties stay `any`.
interface Resource {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
  Properties?: any;
}
interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}
interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}
interface Package {
  region: string;
  dir: string;
  template: Template;
  state: any;
}

const packages = new Map<string, Package>();
let privatePackage: Package;
let iamPackage: Package;

function load(dir: string, region: string): Package {
  return {
    region,
    dir,
    template: JSON.parse(readFileSync(join(dir, TEMPLATE_FILE), 'utf8')) as Template,
    state: JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')),
  };
}

before(() => {
  for (const region of regionsOf(stage)) {
    packages.set(region, load(ensurePackage(stage, region), region));
  }
  // The private-API variant, in the primary region only (the API part is the same in every region).
  const privateDir = ensurePackage(stage, primaryRegion, { dir: packageDir(stage, primaryRegion, join(ROOT, 'dist', 'private-api')), params: privateApiParams });
  privatePackage = load(privateDir, primaryRegion);
  const iamDir = ensurePackage(stage, primaryRegion, { dir: packageDir(stage, primaryRegion, join(ROOT, 'dist', 'iam-auth')), params: iamParams });
  iamPackage = load(iamDir, primaryRegion);
});

const primary = (): Package => packages.get(primaryRegion)!;
const everyRegion = (): Package[] => [...packages.values()];

// ---- CloudFormation's deploy-time resolution, as far as these templates use it ----

const NO_VALUE = Symbol('AWS::NoValue');

function condition(template: Template, name: string, region: string): boolean {
  const definition = template.Conditions?.[name];
  assert.ok(definition !== undefined, `condition ${name} is defined`);
  return truth(template, definition, region);
}

function truth(template: Template, expression: any, region: string): boolean {
  if ('Fn::Equals' in expression) {
    const [a, b] = (expression['Fn::Equals'] as unknown[]).map((v) => resolve(template, v, region));
    assert.ok(typeof a === 'string' && typeof b === 'string', `Fn::Equals of strings: ${JSON.stringify(expression)}`);
    return a === b;
  }
  if ('Fn::Not' in expression) return !truth(template, expression['Fn::Not'][0], region);
  if ('Fn::And' in expression) return (expression['Fn::And'] as unknown[]).every((e) => truth(template, e, region));
  if ('Fn::Or' in expression) return (expression['Fn::Or'] as unknown[]).some((e) => truth(template, e, region));
  if ('Condition' in expression) return condition(template, expression.Condition, region);
  assert.fail(`unsupported condition expression ${JSON.stringify(expression)}`);
}

/** `value` as deployed in `region`: pseudo parameters, Fn::If, Fn::Join of literals; AWS::NoValue removed. */
function resolve(template: Template, value: unknown, region: string): any {
  if (Array.isArray(value)) return value.map((v) => resolve(template, v, region)).filter((v) => v !== NO_VALUE);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [fn, args] = entries[0]! as [string, any];
    if (fn === 'Ref' && args === 'AWS::Region') return region;
    if (fn === 'Ref' && args === 'AWS::NoValue') return NO_VALUE;
    if (fn === 'Fn::If') return resolve(template, condition(template, args[0], region) ? args[1] : args[2], region);
    if (fn === 'Fn::Join') {
      const parts = resolve(template, args[1], region) as unknown[];
      if (parts.every((p) => typeof p === 'string')) return parts.join(args[0]);
      return { 'Fn::Join': [args[0], parts] };
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const resolved = resolve(template, v, region);
    if (resolved !== NO_VALUE) out[k] = resolved;
  }
  return out;
}

/** The resources the stack in the package's region gets, with their properties resolved for it. */
function deployed(pkg: Package): Record<string, Resource> {
  const out: Record<string, Resource> = {};
  for (const [id, r] of Object.entries(pkg.template.Resources)) {
    if (r.Condition && !condition(pkg.template, r.Condition, pkg.region)) continue;
    out[id] = { ...r, Properties: resolve(pkg.template, r.Properties, pkg.region) };
  }
  return out;
}

// ---- Helpers ----

function resourcesOfType(resources: Record<string, Resource>, type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function resourceIn(resources: Record<string, Resource>, id: string): Resource {
  const found = resources[id];
  assert.ok(found, `resource ${id} is in the template`);
  return found;
}

function onlyResourceOfType(resources: Record<string, Resource>, type: string): [string, Resource] {
  const found = resourcesOfType(resources, type);
  assert.equal(found.length, 1, `exactly one ${type}`);
  return found[0]!;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A policy Resource entry as a comparable string: literal strings and Fn::Sub templates. */
function resourceText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Fn::Sub' in value) {
    const sub = (value as { 'Fn::Sub': unknown })['Fn::Sub'];
    if (typeof sub === 'string') return sub;
  }
  return JSON.stringify(value);
}

/** Every statement of every IAM policy in the template (inline role policies and policy resources). */
function allStatements(template: Template): Array<{ owner: string; statement: Statement }> {
  const out: Array<{ owner: string; statement: Statement }> = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const documents: unknown[] = [];
    if (r.Type === 'AWS::IAM::Role') {
      for (const policy of asArray(r.Properties?.Policies)) documents.push((policy as any).PolicyDocument);
    } else if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(r.Properties?.PolicyDocument);
    }
    for (const doc of documents) {
      for (const statement of asArray((doc as any)?.Statement)) out.push({ owner: id, statement: statement as Statement });
    }
  }
  return out;
}

/** The role (logical id) a function runs under. */
function roleOf(template: Template, fn: string): string {
  const role = resourceIn(template.Resources, logicalId(fn)).Properties.Role;
  assert.ok(role?.['Fn::GetAtt']?.[1] === 'Arn', `${fn}: the role is defined in this template`);
  return role['Fn::GetAtt'][0] as string;
}

const arn = (service: string, rest: string) => `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${rest}`;
const tableArn = arn('dynamodb', `table/${tableName}`);
const indexArn = `${tableArn}/index/*`;
/** The table's replica in any region of the account (same name): ReplicateKey's PutItem only. */
const replicaTablesArn = tableArn.replace('${AWS::Region}', '*');
const secretArn = arn('secretsmanager', `secret:${secretName}-??????`);
const defaultBusArn = arn('events', 'event-bus/default');
const ownLogGroup = (fn: string) => arn('logs', `log-group:/aws/lambda/kms-${stage}-${fn}:*`);

// ---- Regions ----

test('the default stage deploys to a primary us-east-1 and a replica us-west-2, each region packaged', () => {
  assert.deepEqual(stageRegions(stage), { primaryRegion, replicaRegions: ['us-west-2'] });
  assert.deepEqual(regionsOf(stage), expectedRegions, 'primary first');
  assert.deepEqual([...packages.keys()], expectedRegions);
  for (const pkg of everyRegion()) {
    assert.equal(pkg.state.service.provider.region, pkg.region);
    assert.equal(pkg.state.service.provider.stage, stage);
    assert.equal(pkg.dir, join(ROOT, 'dist', stage, pkg.region));
    // The primary is fixed by the stage, not by the deploy region: the same condition in every template.
    assert.deepEqual(pkg.template.Conditions?.IsPrimaryRegion, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, primaryRegion] }, `${pkg.region}: IsPrimaryRegion`);
    assert.equal(condition(pkg.template, 'IsPrimaryRegion', pkg.region), pkg.region === primaryRegion);
  }
});

test('every function gets KMS_REGIONS (primary first) and KMS_RECOVERY_DECRYPT, in every region', () => {
  for (const pkg of everyRegion()) {
    const resources = deployed(pkg);
    const functions = resourcesOfType(resources, 'AWS::Lambda::Function');
    assert.deepEqual(functions.map(([id]) => id).sort(), functionNames.map(logicalId).sort(), `${pkg.region}: every function, no other`);
    for (const [id, fn] of functions) {
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      assert.equal(env.KMS_REGIONS, expectedRegions.join(','), `${pkg.region} ${id}: KMS_REGIONS`);
      assert.equal(env.KMS_RECOVERY_DECRYPT, 'false', `${pkg.region} ${id}: recovery decrypt off by default`);
      assert.equal(env.KMS_TABLE_NAME, tableName);
      assert.equal(env.KMS_ROOT_KEY_SECRET_ARN, secretName);
      assert.equal(env.KMS_EVENT_SOURCE, `kms.${stage}`);
      assert.equal(env.KMS_AUDIT_LOG_GROUP, `/kms/${stage}/audit`);
      assert.deepEqual(env.KMS_ALARM_TOPIC_ARN, { Ref: 'AlarmTopic' });
    }
  }
});

// ---- State: the global table and the root-key secret, in the primary region's stack only ----

test('the table and the secret are created by the primary region stack only', () => {
  for (const pkg of everyRegion()) {
    for (const id of ['KmsTable', 'RootKeySecret']) {
      // Still in the template (one template, conditions resolved at deploy), guarded by IsPrimaryRegion.
      assert.equal(resourceIn(pkg.template.Resources, id).Condition, 'IsPrimaryRegion', `${pkg.region}: ${id} is conditional`);
    }
    const resources = deployed(pkg);
    const expected = pkg.region === primaryRegion ? 1 : 0;
    assert.equal(resourcesOfType(resources, 'AWS::DynamoDB::GlobalTable').length, expected, `${pkg.region}: global tables`);
    assert.equal(resourcesOfType(resources, 'AWS::SecretsManager::Secret').length, expected, `${pkg.region}: secrets`);
    assert.equal(resourcesOfType(resources, 'AWS::DynamoDB::Table').length, 0, `${pkg.region}: no plain table`);
  }
});

test('the table definition comes from infra/table-definition.json', () => {
  const definition = JSON.parse(readFileSync(tableDefinitionPath, 'utf8'));
  const [, table] = onlyResourceOfType(deployed(primary()), 'AWS::DynamoDB::GlobalTable');
  const props = table.Properties;
  assert.equal(props.TableName, tableName);
  assert.deepEqual(props.KeySchema, definition.KeySchema);
  assert.deepEqual(props.AttributeDefinitions, definition.AttributeDefinitions);
  assert.deepEqual(props.GlobalSecondaryIndexes ?? [], definition.GlobalSecondaryIndexes ?? []);
  assert.equal(props.BillingMode, definition.BillingMode);
});

test('the global table has a replica in every region of the stage, each with PITR and deletion protection', () => {
  const [, table] = onlyResourceOfType(deployed(primary()), 'AWS::DynamoDB::GlobalTable');
  const props = table.Properties;
  assert.equal(table.DeletionPolicy, 'Retain');
  assert.equal(table.UpdateReplacePolicy, 'Retain');
  assert.equal(props.StreamSpecification?.StreamViewType, 'NEW_AND_OLD_IMAGES');
  assert.equal(props.SSESpecification?.SSEEnabled, true);
  assert.equal(props.SSESpecification?.SSEType, 'KMS');
  assert.deepEqual(props.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
  const replicas = props.Replicas as any[];
  assert.deepEqual(replicas.map((r) => r.Region), expectedRegions, 'one replica per region, the primary first');
  for (const replica of replicas) {
    assert.equal(replica.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled, true, `${replica.Region}: PITR`);
    assert.equal(replica.DeletionProtectionEnabled, true, `${replica.Region}: deletion protection`);
  }
});

test('the root-key secret is 32 random bytes in hex, retained and replicated to every replica region', () => {
  const [, secret] = onlyResourceOfType(deployed(primary()), 'AWS::SecretsManager::Secret');
  assert.equal(secret.DeletionPolicy, 'Retain');
  assert.equal(secret.UpdateReplacePolicy, 'Retain');
  const props = secret.Properties;
  assert.equal(props.Name, secretName);
  const generate = props.GenerateSecretString;
  // Secrets Manager's character classes, minus what the template excludes, must leave exactly 0-9a-f.
  const classes: Array<[string, string]> = [
    ['ExcludeLowercase', 'abcdefghijklmnopqrstuvwxyz'],
    ['ExcludeUppercase', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'],
    ['ExcludeNumbers', '0123456789'],
    ['ExcludePunctuation', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
  ];
  const excluded = new Set<string>(generate.ExcludeCharacters ?? '');
  const alphabet = classes
    .filter(([flag]) => generate[flag] !== true)
    .flatMap(([, chars]) => [...chars])
    .filter((c) => !excluded.has(c));
  if (generate.IncludeSpace === true) alphabet.push(' ');
  assert.equal(alphabet.sort().join(''), '0123456789abcdef', 'hex alphabet');
  assert.equal(generate.PasswordLength, 64, '64 hex characters = 32 bytes');
  assert.equal(generate.RequireEachIncludedType, false, 'uniformly random characters');
  assert.equal(generate.SecretStringTemplate, undefined, 'a plain string, not JSON');
  assert.deepEqual(props.ReplicaRegions, expectedRegions.slice(1).map((Region) => ({ Region })), 'replicated to every replica region');
});

// ---- IAM ----

test('IAM: no wildcard actions, no Scan, no NotAction/NotResource, data access limited to the table and the secret', () => {
  for (const pkg of everyRegion()) {
    const statements = allStatements(pkg.template);
    assert.ok(statements.length > 0, 'the template has IAM statements');
    for (const { owner, statement } of statements) {
      const where = `${pkg.region} ${owner} ${statement.Sid ?? JSON.stringify(statement.Action)}`;
      if (statement.Effect !== 'Allow') continue;
      assert.equal(statement.NotAction, undefined, `${where}: no NotAction`);
      assert.equal(statement.NotResource, undefined, `${where}: no NotResource`);
      const actions = asArray(statement.Action);
      assert.ok(actions.length > 0, `${where}: names its actions`);
      const resources = asArray(statement.Resource).map(resourceText);
      for (const action of actions) assert.ok(!action.includes('*'), `${where}: action ${action} has no wildcard`);
      assert.ok(!actions.includes('dynamodb:Scan'), `${where}: jobs use sparse indexes, nobody scans`);
      const services = new Set(actions.map((a) => a.split(':')[0]));
      if (services.has('dynamodb')) {
        assert.equal(services.size, 1, `${where}: DynamoDB statements grant nothing else`);
        // The same table in the stage's other regions: only PutItem, for ReplicateKey (checked per role below).
        const otherReplicas = statement.Sid === 'ReplicaCreation' ? [replicaTablesArn] : [];
        for (const r of resources) assert.ok([tableArn, indexArn, ...otherReplicas].includes(r), `${where}: ${r} is the table or its indexes`);
      }
      if (services.has('secretsmanager')) {
        assert.deepEqual(actions, ['secretsmanager:GetSecretValue'], `${where}: read-only secret access`);
        assert.deepEqual(resources, [secretArn], `${where}: only the root-key secret`);
      }
      if (services.has('events')) {
        assert.deepEqual(actions, ['events:PutEvents'], `${where}: only PutEvents`);
        assert.deepEqual(resources, [defaultBusArn], `${where}: the default bus`);
      }
      if (services.has('sns')) {
        assert.deepEqual(actions, ['sns:Publish'], `${where}: only Publish`);
        assert.deepEqual(asArray(statement.Resource), [{ Ref: 'AlarmTopic' }], `${where}: only the alarm topic`);
      }
      if (resources.includes('*')) {
        assert.deepEqual([...services], ['xray'], `${where}: only X-Ray (no resource-level permissions) may use Resource "*"`);
      }
    }
  }
});

/** What each function's role may do: exactly these, nothing more (a missing one is an outage too). */
const expectedPermissions: Record<string, { table: string[]; indexes: boolean; rootKey: boolean; notify: boolean; events: boolean }> = {
  // Transactions are authorised per item (PutItem/UpdateItem/DeleteItem/ConditionCheckItem).
  api: { table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'ConditionCheckItem'], indexes: true, rootKey: true, notify: false, events: true },
  // Wraps new material (root key); delivers the region's whole outbox, notifications included.
  rotationJob: { table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'], indexes: true, rootKey: true, notify: true, events: true },
  // Cleanups batch-delete grant and material partitions; warnings and alarms go to SNS; never wraps.
  deletionJob: { table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchWriteItem'], indexes: true, rootKey: false, notify: true, events: true },
  // Deletes the wrapped material item without unwrapping it; delivers the whole outbox.
  expiryJob: { table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'], indexes: true, rootKey: false, notify: true, events: true },
  // One key by id, no due index; delivers only its own event and audit record.
  rotationRequest: { table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], indexes: false, rootKey: true, notify: false, events: true },
  // One transaction: Put (declare) or Delete (withdraw) of the declaration item plus a Put of its outbox
  // entry; then deliverNow of that audit record only: claim/release (UpdateItem), remove (DeleteItem).
  // Reads nothing, no root key, no event, no notification: only the audit log group besides the table.
  regionFailure: { table: ['PutItem', 'UpdateItem', 'DeleteItem'], indexes: false, rootKey: false, notify: false, events: false },
  // Reads one credential (GetItem) or lists them and their last use (Query on the table, no index); one
  // transaction per change with its outbox entry (PutItem/DeleteItem), then deliverNow of that audit
  // record (UpdateItem claim/release, DeleteItem). Seals new secrets under the root key.
  credentials: { table: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'], indexes: false, rootKey: true, notify: false, events: false },
};

test('each function runs under its own role, with exactly the permissions its code needs', () => {
  for (const pkg of everyRegion()) {
    const roles = functionNames.map((fn) => roleOf(pkg.template, fn));
    assert.equal(new Set(roles).size, functionNames.length, `${pkg.region}: one role per function (${roles.join(', ')})`);
    assert.equal(pkg.template.Resources.IamRoleLambdaExecution, undefined, 'no shared provider-level role');
    assert.equal(pkg.template.Resources.JobsFunctionRole, undefined, 'no role shared by the jobs');
    for (const fn of functionNames) {
      const roleId = roleOf(pkg.template, fn);
      const role = resourceIn(pkg.template.Resources, roleId);
      const where = `${pkg.region} ${fn} (${roleId})`;
      assert.equal(role.Type, 'AWS::IAM::Role');
      assert.equal(role.Properties.ManagedPolicyArns, undefined, `${where}: no managed policies`);
      assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
      const statements = asArray(role.Properties.Policies).flatMap((p: any) => asArray(p.PolicyDocument.Statement)) as Statement[];
      const granted = (service: string) => statements.filter((s) => asArray(s.Action).some((a) => a.startsWith(`${service}:`)));
      const expected = expectedPermissions[fn]!;

      // The API alone may also put items into the table's other regional replicas (ReplicateKey).
      const replicaCreation = statements.filter((s) => s.Sid === 'ReplicaCreation');
      if (fn === 'api') {
        assert.equal(replicaCreation.length, 1, `${where}: ReplicateKey writes into the replica region`);
        assert.deepEqual(asArray(replicaCreation[0]!.Action), ['dynamodb:PutItem']);
        assert.deepEqual(asArray(replicaCreation[0]!.Resource).map(resourceText), [replicaTablesArn]);
      } else assert.equal(replicaCreation.length, 0, `${where}: writes only its own region's replica`);
      const table = granted('dynamodb').filter((s) => s.Sid !== 'ReplicaCreation');
      assert.equal(table.length, 1, `${where}: one DynamoDB statement for its region's table`);
      assert.deepEqual(asArray(table[0]!.Action).sort(), expected.table.map((a) => `dynamodb:${a}`).sort(), `${where}: DynamoDB actions`);
      assert.deepEqual(asArray(table[0]!.Resource).map(resourceText), expected.indexes ? [tableArn, indexArn] : [tableArn], `${where}: table resources`);

      assert.equal(granted('secretsmanager').length, expected.rootKey ? 1 : 0, `${where}: root key ${expected.rootKey ? '' : 'not '}readable`);
      assert.equal(granted('sns').length, expected.notify ? 1 : 0, `${where}: ${expected.notify ? 'may' : 'may not'} publish to the alarm topic`);
      assert.equal(granted('events').length, expected.events ? 1 : 0, `${where}: ${expected.events ? 'puts events (its outbox, or RotateKeyOnDemand\'s event)' : 'puts no events'}`);
      assert.deepEqual(asArray(granted('xray')[0]?.Action).sort(), ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], `${where}: tracing`);

      // Logs: its own log group and the audit log group, nothing else.
      const logs = granted('logs');
      const logResources = logs.flatMap((s) => asArray(s.Resource).map(resourceText)).sort();
      assert.deepEqual(logResources, ['${AuditLogGroup.Arn}', ownLogGroup(fn)].sort(), `${where}: own log group and the audit log group`);
      for (const s of logs) assert.deepEqual(asArray(s.Action).sort(), ['logs:CreateLogStream', 'logs:PutLogEvents'], `${where}: log actions`);

      const services = new Set(statements.flatMap((s) => asArray(s.Action).map((a) => a.split(':')[0])));
      const expectedServices = ['dynamodb', 'logs', 'xray', ...(expected.events ? ['events'] : []), ...(expected.rootKey ? ['secretsmanager'] : []), ...(expected.notify ? ['sns'] : [])];
      assert.deepEqual([...services].sort(), expectedServices.sort(), `${where}: services`);
    }
  }
});

// ---- Functions, API, schedules ----

test('the functions run on nodejs22.x, arm64, with active tracing and the contract environment', () => {
  for (const pkg of everyRegion()) {
    for (const [id, fn] of resourcesOfType(pkg.template.Resources, 'AWS::Lambda::Function')) {
      assert.equal(fn.Properties.Runtime, 'nodejs22.x', `${id} runtime`);
      assert.deepEqual(fn.Properties.Architectures, ['arm64'], `${id} architecture`);
      assert.deepEqual(fn.Properties.TracingConfig, { Mode: 'Active' }, `${id} tracing`);
    }
    const props = resourceIn(pkg.template.Resources, 'ApiLambdaFunction').Properties;
    assert.equal(props.FunctionName, functionName);
    assert.equal(props.Handler, 'functions/api/handler.handler');
    const env = props.Environment.Variables as Record<string, unknown>;
    for (const name of ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE']) {
      assert.equal(typeof env[name], 'string', `${name} is set`);
    }
    assert.equal(env.POWERTOOLS_METRICS_NAMESPACE, 'KMS');
    assert.equal(env.AWS_REGION, undefined, 'AWS_REGION is reserved: Lambda sets it');
    assert.equal(pkg.state.service.provider.tracing?.apiGateway, true, 'API Gateway tracing (applied to the stage on deploy)');
  }
});

test('the functions are packaged as bundled ES modules, AWS SDK included', () => {
  for (const pkg of everyRegion()) {
    const esbuild = pkg.state.service.custom.esbuild;
    assert.equal(esbuild.format, 'esm');
    assert.equal(esbuild.outputFileExtension, '.mjs');
    assert.match(esbuild.banner.js, /createRequire/, 'CJS dependencies need require() in an ES module');
    // The AWS SDK is bundled, but for the credential providers Lambda never reaches (its environment
    // always has the role's credentials, which the chain takes first).
    assert.deepEqual([...esbuild.exclude].sort(), [
      '@aws-sdk/credential-provider-ini',
      '@aws-sdk/credential-provider-process',
      '@aws-sdk/credential-provider-sso',
      '@aws-sdk/credential-provider-web-identity',
      '@aws-sdk/nested-clients',
      '@aws-sdk/token-providers',
    ]);
    for (const fn of functionNames) assert.ok(existsSync(join(pkg.dir, `${fn}.zip`)), `${pkg.region}: ${fn}.zip was built`);
  }
});

test("each function's zip holds its own chunks only, and the API's cold start loads none of the lazy ones", async () => {
  const work = mkdtempSync(join(tmpdir(), 'kms-zips-'));
  try {
    const dirOf = (fn: string) => (fn === 'api' || fn === 'credentials' ? fn : 'jobs');
    for (const fn of functionNames) {
      const files = await unzip(join(primary().dir, `${fn}.zip`), join(work, fn));
      const names = files.map((file) => relative(join(work, fn), file).split(sep).join('/'));
      assert.ok(names.includes(`functions/${dirOf(fn)}/handler.mjs`), `${fn}: its handler`);
      assert.deepEqual(names.filter((name) => !name.startsWith(`functions/${dirOf(fn)}/`)), [], `${fn}: no other function's files`);
      // Every module a module of the zip imports, statically or with import(), is in the zip.
      for (const name of names.filter((n) => n.endsWith('.mjs'))) {
        for (const [, chunk] of readFileSync(join(work, fn, name), 'utf8').matchAll(/(?:from|import)\s*\(?"\.\/([\w-]+\.mjs)"/g)) {
          assert.ok(names.includes(`functions/${dirOf(fn)}/${chunk}`), `${fn}: ${name} imports ${chunk}, which is in the zip`);
        }
      }
    }
    // What handler.mjs imports statically, directly or through its chunks: what every cold start compiles.
    const apiDir = join(work, 'api', 'functions', 'api');
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const [, chunk] of readFileSync(join(apiDir, file), 'utf8').matchAll(/(?:from|import)\s*"\.\/([\w-]+\.mjs)"/g)) visit(chunk!);
    };
    visit('handler.mjs');
    const chunks = readdirSync(apiDir).filter((name) => name.endsWith('.mjs'));
    for (const lazy of ['noble-libraries', 'eventbridge', 'sns', 'secrets-manager']) {
      assert.ok(chunks.some((name) => name.startsWith(`${lazy}-`)), `the ${lazy} chunk is in api.zip`);
      assert.deepEqual([...loaded].filter((name) => name.startsWith(`${lazy}-`)), [], `${lazy} is not loaded at start`);
    }
    // Node built-ins come through require() (infra/serverless/esbuild-plugins.cjs), not as ES modules: only
    // the banner imports one, node:module.
    for (const name of chunks) {
      const imported = [...readFileSync(join(apiDir, name), 'utf8').matchAll(/from\s*["'](node:[\w/]+)["']/g)].map((m) => m[1]);
      assert.deepEqual(imported, ['node:module'], `${name} imports no other built-in as an ES module`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('authMode=service (default): POST / with no authorizer, SigV4 verified by the function; authMode=iam: the IAM authorizer', () => {
  const postOf = (pkg: Package) => {
    const methods = resourcesOfType(pkg.template.Resources, 'AWS::ApiGateway::Method');
    assert.equal(methods.length, 1, 'one API Gateway method');
    const [, post] = methods[0]!;
    assert.equal(post.Properties.HttpMethod, 'POST');
    assert.deepEqual(post.Properties.ResourceId, { 'Fn::GetAtt': ['ApiGatewayRestApi', 'RootResourceId'] }, 'on the root path');
    assert.equal(post.Properties.Integration.Type, 'AWS_PROXY');
    return post;
  };
  const authModeOf = (pkg: Package) => resourceIn(pkg.template.Resources, 'ApiLambdaFunction').Properties.Environment.Variables.KMS_AUTH_MODE;
  for (const pkg of [...everyRegion(), privatePackage]) {
    assert.equal(postOf(pkg).Properties.AuthorizationType, 'NONE', `${pkg.region}: the function authenticates`);
    assert.equal(authModeOf(pkg), 'service');
  }
  assert.equal(postOf(iamPackage).Properties.AuthorizationType, 'AWS_IAM');
  assert.equal(authModeOf(iamPackage), 'iam');
  // Only the API reads the mode.
  for (const [id, fn] of resourcesOfType(primary().template.Resources, 'AWS::Lambda::Function')) {
    if (id !== 'ApiLambdaFunction') assert.equal(fn.Properties.Environment?.Variables?.KMS_AUTH_MODE, undefined, id);
  }
});

test("the stage throttles every method (throttleRate, throttleBurst): unauthenticated traffic reaches the function", () => {
  const throttlingOf = (pkg: Package) => {
    const deployments = resourcesOfType(pkg.template.Resources, 'AWS::ApiGateway::Deployment');
    assert.equal(deployments.length, 1);
    const [, deployment] = deployments[0]!;
    assert.equal(deployment.Properties.StageName, stage);
    return deployment.Properties.StageDescription;
  };
  const expected = (rate: number, burst: number) => ({
    ThrottlingRateLimit: rate,
    ThrottlingBurstLimit: burst,
    MethodSettings: [{ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst }],
  });
  for (const pkg of [...everyRegion(), privatePackage]) assert.deepEqual(throttlingOf(pkg), expected(1000, 2000), `${pkg.region}: the defaults`);
  assert.deepEqual(throttlingOf(iamPackage), expected(50, 100), 'the params');
});

test('the credentials function is an operator action: no trigger', () => {
  for (const pkg of everyRegion()) {
    const fn = resourceIn(pkg.template.Resources, 'CredentialsLambdaFunction').Properties;
    assert.equal(fn.Handler, 'functions/credentials/handler.handler');
    const triggers = Object.values(pkg.template.Resources).filter(
      (r) => (r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties).includes('CredentialsLambdaFunction')) || (r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties).includes('CredentialsLambdaFunction')),
    );
    assert.deepEqual(triggers, [], `${pkg.region}: nothing invokes it but an operator`);
  }
});

test('the API is regional by default; the private variant admits only the listed VPC endpoints', () => {
  for (const pkg of everyRegion()) {
    const api = resourceIn(pkg.template.Resources, 'ApiGatewayRestApi').Properties;
    assert.deepEqual(api.EndpointConfiguration.Types, ['REGIONAL']);
    // osls renders an empty resourcePolicy as Policy: ''.
    assert.ok(!api.Policy, 'no resource policy on the regional API');
  }
  // Packaged with --param privateApi=true --param vpcEndpointIds=vpce-1.
  const api = resourceIn(privatePackage.template.Resources, 'ApiGatewayRestApi').Properties;
  assert.deepEqual(api.EndpointConfiguration.Types, ['PRIVATE']);
  const statements = api.Policy?.Statement as any[];
  assert.ok(Array.isArray(statements), 'the private API has a resource policy');
  const allow = statements.find((s) => s.Effect === 'Allow');
  assert.deepEqual(asArray(allow?.Action), ['execute-api:Invoke']);
  const deny = statements.find((s) => s.Effect === 'Deny');
  assert.ok(deny, 'the private policy denies by default');
  assert.deepEqual(asArray(deny.Action), ['execute-api:Invoke']);
  assert.equal(deny.Resource, 'execute-api:/*', 'every method');
  assert.deepEqual(deny.Condition, { StringNotEquals: { 'aws:SourceVpce': { 'Fn::Split': [',', 'vpce-1'] } } }, 'unless through a listed VPC endpoint');
});

test('the jobs run on EventBridge schedules, rotation requests on an EventBridge rule', () => {
  const schedules: Record<string, string> = {
    RotationJobLambdaFunction: 'rate(1 hour)',
    DeletionJobLambdaFunction: 'rate(15 minutes)',
    ExpiryJobLambdaFunction: 'rate(15 minutes)',
  };
  for (const pkg of everyRegion()) {
    const resources = deployed(pkg);
    const rules = resourcesOfType(resources, 'AWS::Events::Rule').map(([, r]) => r.Properties);
    const ruleOf = (fn: string) => rules.filter((r) => asArray(r.Targets).some((t: any) => t.Arn?.['Fn::GetAtt']?.[0] === fn));
    for (const [fn, expression] of Object.entries(schedules)) {
      const found = ruleOf(fn);
      assert.equal(found.length, 1, `${pkg.region}: ${fn} has one rule`);
      assert.equal(found[0].ScheduleExpression, expression, `${pkg.region}: ${fn} schedule`);
      assert.equal(found[0].State, 'ENABLED');
    }
    const request = ruleOf('RotationRequestLambdaFunction');
    assert.equal(request.length, 1, `${pkg.region}: rotation requests have a rule`);
    assert.deepEqual(request[0].EventPattern, { 'detail-type': ['KMS Key Rotation Request'] });
    // EventBridge may invoke each target.
    const permissions = resourcesOfType(resources, 'AWS::Lambda::Permission').map(([, p]) => p.Properties);
    for (const fn of [...Object.keys(schedules), 'RotationRequestLambdaFunction']) {
      assert.ok(
        permissions.some((p) => p.Principal === 'events.amazonaws.com' && p.FunctionName?.['Fn::GetAtt']?.[0] === fn),
        `${pkg.region}: EventBridge may invoke ${fn}`,
      );
    }
  }
});

test('regionFailure is an operator action: its handler, the default timeout, and no trigger of any kind', () => {
  const id = logicalId('regionFailure');
  for (const pkg of everyRegion()) {
    const resources = deployed(pkg);
    const props = resourceIn(resources, id).Properties;
    // The name the operator invokes (functions/jobs/handler.ts): kms-<stage>-regionFailure.
    assert.equal(props.FunctionName, `kms-${stage}-regionFailure`, `${pkg.region}: function name`);
    assert.equal(props.Handler, 'functions/jobs/handler.regionFailure', `${pkg.region}: handler`);
    assert.equal(props.Timeout, 10, `${pkg.region}: the provider's default timeout`);
    assert.ok(typeof props.Description === 'string' && props.Description.length > 0, `${pkg.region}: described`);
    assert.deepEqual(pkg.state.service.functions.regionFailure.events ?? [], [], `${pkg.region}: no events in serverless.yml`);
    // Nothing targets it or may invoke it on its own: no rule, no resource-based permission, no source mapping.
    const mentions = (value: unknown) => JSON.stringify(value).includes(`"${id}"`);
    for (const type of ['AWS::Events::Rule', 'AWS::Scheduler::Schedule', 'AWS::Lambda::Permission', 'AWS::Lambda::EventSourceMapping', 'AWS::Lambda::Url', 'AWS::SNS::Subscription']) {
      const found = resourcesOfType(resources, type).filter(([, r]) => mentions(r.Properties));
      assert.deepEqual(found.map(([rid]) => rid), [], `${pkg.region}: no ${type} for regionFailure`);
    }
  }
});

test('every function has its own log group with retention', () => {
  for (const pkg of everyRegion()) {
    const groups = resourcesOfType(pkg.template.Resources, 'AWS::Logs::LogGroup').map(([, g]) => g.Properties);
    for (const fn of functionNames) {
      const group = groups.find((g) => g.LogGroupName === `/aws/lambda/kms-${stage}-${fn}`);
      assert.ok(group, `${pkg.region}: ${fn} has a log group`);
      assert.equal(group.RetentionInDays, 30, `${pkg.region}: ${fn} log retention`);
    }
  }
});

// ---- Audit, alarms ----

test('audit records go to a dedicated log group with retention, archived to an encrypted private bucket', () => {
  for (const pkg of everyRegion()) {
    const resources = deployed(pkg);
    const group = resourceIn(resources, 'AuditLogGroup');
    assert.equal(group.Properties.LogGroupName, `/kms/${stage}/audit`);
    assert.ok(group.Properties.RetentionInDays >= 365);
    assert.equal(group.DeletionPolicy, 'Retain');
    const subscription = onlyResourceOfType(resources, 'AWS::Logs::SubscriptionFilter')[1].Properties;
    assert.deepEqual(subscription.LogGroupName, { Ref: 'AuditLogGroup' });
    assert.deepEqual(subscription.DestinationArn, { 'Fn::GetAtt': ['AuditArchiveStream', 'Arn'] });
    const stream = resourceIn(resources, 'AuditArchiveStream').Properties.ExtendedS3DestinationConfiguration;
    assert.deepEqual(stream.BucketARN, { 'Fn::GetAtt': ['AuditArchiveBucket', 'Arn'] });
    const bucket = resourceIn(resources, 'AuditArchiveBucket');
    assert.equal(bucket.DeletionPolicy, 'Retain');
    assert.ok(bucket.Properties.BucketEncryption);
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  }
});

test('alarms on function errors, InternalError, use of keys pending deletion and job failures notify an SNS topic', () => {
  for (const pkg of everyRegion()) {
    const resources = deployed(pkg);
    const [topicId] = onlyResourceOfType(resources, 'AWS::SNS::Topic');
    assert.equal(resources.AlarmEmailSubscription, undefined, 'no e-mail subscription without alarmEmail');
    const alarms = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const notifies = (alarm: any) => asArray(alarm.AlarmActions).some((a: any) => a?.Ref === topicId);

    const errors = alarms.find((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === 'Errors');
    assert.ok(errors, 'an alarm on the function errors');
    assert.deepEqual(errors.Dimensions, [{ Name: 'FunctionName', Value: { Ref: 'ApiLambdaFunction' } }]);
    assert.ok(notifies(errors), 'the errors alarm notifies the topic');

    // Powertools Metrics adds the service dimension; the alarms must name it to match the metric.
    for (const metric of ['InternalError', 'PendingDeletionKeyUse', 'JobFailures']) {
      const alarm = alarms.find((a) => a.Namespace === 'KMS' && a.MetricName === metric);
      assert.ok(alarm, `${pkg.region}: an alarm on KMS/${metric}`);
      assert.deepEqual(alarm.Dimensions, [{ Name: 'service', Value: 'kms' }]);
      assert.ok(notifies(alarm), `${pkg.region}: the ${metric} alarm notifies the topic`);
    }
  }
});

test('each region alarms on the global-table replication lag to every other region of the stage, none to itself', () => {
  for (const pkg of everyRegion()) {
    const resources = deployed(pkg);
    const [topicId] = onlyResourceOfType(resources, 'AWS::SNS::Topic');
    const latency = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties.Namespace === 'AWS/DynamoDB' && a.Properties.MetricName === 'ReplicationLatency',
    );
    const receiving = (alarm: Resource) => (alarm.Properties.Dimensions as any[]).find((d) => d.Name === 'ReceivingRegion')?.Value;
    const others = expectedRegions.filter((r) => r !== pkg.region);
    // DynamoDB emits the metric in the sending region: one alarm per receiving region, in this region's stack.
    assert.deepEqual(latency.map(([, a]) => receiving(a)).sort(), [...others].sort(), `${pkg.region}: one alarm per other region, none for itself`);
    for (const [id, alarm] of latency) {
      const where = `${pkg.region} ${id}`;
      const props = alarm.Properties;
      assert.ok(alarm.Condition, `${where}: conditional (one template serves every region)`);
      assert.deepEqual(
        [...props.Dimensions].sort((a: any, b: any) => a.Name.localeCompare(b.Name)),
        [
          { Name: 'ReceivingRegion', Value: receiving(alarm) },
          { Name: 'TableName', Value: tableName },
        ],
        `${where}: dimensions`,
      );
      assert.equal(props.Statistic, 'Average', `${where}: statistic`);
      assert.equal(props.Period, 300, `${where}: period`);
      assert.equal(props.EvaluationPeriods, 3, `${where}: evaluation periods`);
      assert.equal(props.Threshold, 60000, `${where}: threshold (ms)`);
      assert.equal(props.ComparisonOperator, 'GreaterThanThreshold', `${where}: comparison`);
      assert.equal(props.TreatMissingData, 'notBreaching', `${where}: no writes, no alarm`);
      assert.deepEqual(props.AlarmActions, [{ Ref: topicId }], `${where}: alarm actions`);
      assert.deepEqual(props.OKActions, [{ Ref: topicId }], `${where}: OK actions`);
      assert.ok(typeof props.AlarmDescription === 'string' && props.AlarmDescription.includes(receiving(alarm)), `${where}: description names the region`);
    }
  }
});
