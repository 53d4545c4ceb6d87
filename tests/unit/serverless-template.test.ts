/**
 * Checks the CloudFormation template that `osls package` builds from serverless.yml (conventions §13:
 * least privilege per function, checked on the packaged template, not on the YAML).
 *
 * Packages first (offline, no credentials: ~10-20 s on 2 cores) when .serverless/ is missing, older than
 * serverless.yml or infra/table-definition.json, or was packaged for another stage/region.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = join(root, '.serverless');
const templatePath = join(outDir, 'cloudformation-template-update-stack.json');
const statePath = join(outDir, 'serverless-state.json');
const tableDefinitionPath = join(root, 'infra', 'table-definition.json');
const stage = 'dev';
const region = 'us-east-1';

const tableName = `kms-${stage}`;
const jobFunctionNames = ['rotationJob', 'deletionJob', 'expiryJob', 'rotationRequest'].map((name) => `kms-${stage}-${name}`);
const secretName = `kms/${stage}/root-key`;
const functionName = `kms-${stage}-api`;

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

let template: Template;
let state: any;

function isStale(): boolean {
  if (!existsSync(templatePath) || !existsSync(statePath)) return true;
  const builtAt = statSync(templatePath).mtimeMs;
  for (const input of [join(root, 'serverless.yml'), tableDefinitionPath]) {
    if (statSync(input).mtimeMs > builtAt) return true;
  }
  const provider = JSON.parse(readFileSync(statePath, 'utf8')).service?.provider;
  return provider?.stage !== stage || provider?.region !== region;
}

function packageService(): void {
  // The local osls binary (what `npx osls` runs), called through node to skip npx's start-up.
  const cli = join(root, 'node_modules', 'osls', 'bin', 'serverless.js');
  const run = spawnSync(process.execPath, [cli, 'package', '--stage', stage, '--region', region], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.status !== 0) {
    throw new Error(`osls package failed (status ${run.status}, ${run.error?.message ?? 'no spawn error'}):\n${run.stdout}\n${run.stderr}`);
  }
}

before(() => {
  if (isStale()) packageService();
  template = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;
  state = JSON.parse(readFileSync(statePath, 'utf8'));
});

function resourcesOfType(type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

function resource(logicalId: string): Resource {
  const found = template.Resources[logicalId];
  assert.ok(found, `resource ${logicalId} is in the template`);
  return found;
}

function onlyResourceOfType(type: string): [string, Resource] {
  const found = resourcesOfType(type);
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
function allStatements(): Array<{ owner: string; statement: Statement }> {
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

/** Settings a replica entry carries, whether literal or inside the true branch of an Fn::If. */
function replicaSpecs(replicas: unknown[]): any[] {
  return replicas.map((entry: any) => {
    if (entry && typeof entry === 'object' && 'Fn::If' in entry) {
      const [, whenTrue, whenFalse] = entry['Fn::If'];
      assert.deepEqual(whenFalse, { Ref: 'AWS::NoValue' }, 'an optional replica is either present or absent');
      return whenTrue;
    }
    return entry;
  });
}

const apiFunction = (): Resource => resource('ApiLambdaFunction');

test('the API function runs on nodejs22.x, arm64, with active tracing and the contract environment', () => {
  for (const [id, fn] of resourcesOfType('AWS::Lambda::Function')) {
    assert.equal(fn.Properties.Runtime, 'nodejs22.x', `${id} runtime`);
  }
  const props = apiFunction().Properties;
  assert.equal(props.FunctionName, functionName);
  assert.equal(props.Handler, 'functions/api/handler.handler');
  assert.deepEqual(props.Architectures, ['arm64']);
  assert.deepEqual(props.TracingConfig, { Mode: 'Active' });
  const env = props.Environment.Variables as Record<string, unknown>;
  assert.equal(env.KMS_TABLE_NAME, tableName);
  assert.equal(env.KMS_ROOT_KEY_SECRET_ARN, secretName);
  for (const name of ['POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE']) {
    assert.equal(typeof env[name], 'string', `${name} is set`);
  }
  assert.equal(env.POWERTOOLS_METRICS_NAMESPACE, 'KMS');
  assert.equal(env.AWS_REGION, undefined, 'AWS_REGION is reserved: Lambda sets it');
  assert.equal(state.service.provider.tracing?.apiGateway, true, 'API Gateway tracing (applied to the stage on deploy)');
});

test('the function is packaged as a bundled ES module, AWS SDK included', () => {
  const esbuild = state.service.custom.esbuild;
  assert.equal(esbuild.format, 'esm');
  assert.equal(esbuild.outputFileExtension, '.mjs');
  assert.match(esbuild.banner.js, /createRequire/, 'CJS dependencies (X-Ray SDK) need require() in an ES module');
  assert.deepEqual(esbuild.exclude, [], 'nothing excluded: the AWS SDK is bundled');
  assert.ok(existsSync(join(outDir, 'api.zip')), 'api.zip was built');
});

test('the API is POST / behind the IAM authorizer', () => {
  const methods = resourcesOfType('AWS::ApiGateway::Method');
  assert.ok(methods.length >= 1, 'an API Gateway method exists');
  for (const [id, method] of methods) {
    assert.equal(method.Properties.AuthorizationType, 'AWS_IAM', `${id} uses IAM auth`);
  }
  const post = methods.find(([, m]) => m.Properties.HttpMethod === 'POST');
  assert.ok(post, 'a POST method exists');
  assert.deepEqual(post[1].Properties.ResourceId, { 'Fn::GetAtt': ['ApiGatewayRestApi', 'RootResourceId'] }, 'on the root path');
  assert.equal(post[1].Properties.Integration.Type, 'AWS_PROXY');
});

test('the API is regional by default, and the private variant admits only the listed VPC endpoints', () => {
  const api = resource('ApiGatewayRestApi').Properties;
  assert.deepEqual(api.EndpointConfiguration.Types, ['REGIONAL']);
  // The private variant is resolved too (custom.api.true), so it can be checked without a second package.
  const privateApi = state.service.custom.api.true;
  assert.equal(privateApi.endpointType, 'PRIVATE');
  const deny = (privateApi.resourcePolicy as any[]).find((s) => s.Effect === 'Deny');
  assert.ok(deny, 'the private policy denies by default');
  assert.ok(deny.Condition?.StringNotEquals?.['aws:SourceVpce'], 'unless the request came through a listed VPC endpoint');
  assert.deepEqual(asArray(deny.Action), ['execute-api:Invoke']);
});

test('the table definition comes from infra/table-definition.json', () => {
  const definition = JSON.parse(readFileSync(tableDefinitionPath, 'utf8'));
  const [, table] = onlyResourceOfType('AWS::DynamoDB::GlobalTable');
  const props = table.Properties;
  assert.equal(props.TableName, tableName);
  assert.deepEqual(props.KeySchema, definition.KeySchema);
  assert.deepEqual(props.AttributeDefinitions, definition.AttributeDefinitions);
  assert.deepEqual(props.GlobalSecondaryIndexes ?? [], definition.GlobalSecondaryIndexes ?? []);
  assert.equal(props.BillingMode, definition.BillingMode);
});

test('the table keeps its data: PITR, deletion protection, retain policy, SSE, streams', () => {
  const [, table] = onlyResourceOfType('AWS::DynamoDB::GlobalTable');
  const props = table.Properties;
  assert.equal(table.DeletionPolicy, 'Retain');
  assert.equal(table.UpdateReplacePolicy, 'Retain');
  assert.equal(props.StreamSpecification?.StreamViewType, 'NEW_AND_OLD_IMAGES');
  assert.equal(props.SSESpecification?.SSEEnabled, true);
  const replicas = replicaSpecs(props.Replicas);
  assert.deepEqual(replicas[0].Region, { Ref: 'AWS::Region' }, 'the deploy region is always a replica');
  for (const replica of replicas) {
    assert.equal(replica.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled, true, 'PITR on every replica');
    assert.equal(replica.DeletionProtectionEnabled, true, 'deletion protection on every replica');
  }
});

test('the root-key secret is 32 random bytes in hex, retained and replicated with the table', () => {
  const [, secret] = onlyResourceOfType('AWS::SecretsManager::Secret');
  assert.equal(secret.DeletionPolicy, 'Retain');
  assert.equal(secret.Condition, resourcesOfType('AWS::DynamoDB::GlobalTable')[0]![1].Condition, 'created where the table is');
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
  assert.ok(props.ReplicaRegions, 'replicated to the replica regions');
});

test('IAM: no wildcard actions, no NotAction/NotResource, data access limited to the table and the secret', () => {
  const statements = allStatements();
  assert.ok(statements.length > 0, 'the template has IAM statements');
  const tableArn = `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${tableName}`;
  const secretArn = `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${secretName}-??????`;
  let sawDynamo = false;
  let sawSecret = false;
  for (const { owner, statement } of statements) {
    const where = `${owner} ${statement.Sid ?? JSON.stringify(statement.Action)}`;
    if (statement.Effect !== 'Allow') continue;
    assert.equal(statement.NotAction, undefined, `${where}: no NotAction`);
    assert.equal(statement.NotResource, undefined, `${where}: no NotResource`);
    const actions = asArray(statement.Action);
    const resources = asArray(statement.Resource).map(resourceText);
    for (const action of actions) assert.ok(!action.includes('*'), `${where}: action ${action} has no wildcard`);
    const services = new Set(actions.map((a) => a.split(':')[0]));
    if (services.has('dynamodb')) {
      sawDynamo = true;
      assert.equal(services.size, 1, `${where}: DynamoDB statements grant nothing else`);
      assert.deepEqual(resources.sort(), [tableArn, `${tableArn}/index/*`].sort(), `${where}: only the table and its indexes`);
      assert.ok(!actions.includes('dynamodb:Scan'), `${where}: jobs use sparse indexes, nobody scans`);
    }
    if (services.has('secretsmanager')) {
      sawSecret = true;
      assert.deepEqual(actions, ['secretsmanager:GetSecretValue'], `${where}: read-only secret access`);
      assert.deepEqual(resources, [secretArn], `${where}: only the root-key secret`);
    }
    if (services.has('logs')) {
      const ownGroups = (owner === 'JobsFunctionRole' ? jobFunctionNames : [functionName]).map(
        (name) => `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${name}:*`,
      );
      const allowed = [...ownGroups, '${AuditLogGroup.Arn}'];
      for (const r of resources) assert.ok(allowed.includes(r), `${where}: ${r} is the function's own log group or the audit log group`);
    }
    if (services.has('events')) {
      assert.deepEqual(actions, ['events:PutEvents'], `${where}: only PutEvents`);
      assert.deepEqual(resources, [`arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/default`], `${where}: the default bus`);
    }
    if (services.has('sns')) {
      assert.deepEqual(actions, ['sns:Publish'], `${where}: only Publish`);
      assert.deepEqual(asArray(statement.Resource), [{ Ref: 'AlarmTopic' }], `${where}: only the alarm topic`);
    }
    if (resources.includes('*')) {
      assert.deepEqual([...services], ['xray'], `${where}: only X-Ray (no resource-level permissions) may use Resource "*"`);
    }
  }
  assert.ok(sawDynamo, 'the API may use the table');
  assert.ok(sawSecret, 'the API may read the root key');
});

test('the API function uses its own role, and that role has no managed policies', () => {
  const role = apiFunction().Properties.Role;
  assert.ok(role?.['Fn::GetAtt'], 'the role is defined in this template');
  const roleId = role['Fn::GetAtt'][0] as string;
  assert.equal(resource(roleId).Type, 'AWS::IAM::Role');
  assert.equal(resource(roleId).Properties.ManagedPolicyArns, undefined);
  assert.equal(template.Resources.IamRoleLambdaExecution, undefined, 'no shared provider-level role');
});

test('alarms on function errors and on InternalError notify an SNS topic', () => {
  const [topicId] = onlyResourceOfType('AWS::SNS::Topic');
  const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const notifies = (alarm: any) => asArray(alarm.AlarmActions).some((a: any) => a?.Ref === topicId);

  const errors = alarms.find((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === 'Errors');
  assert.ok(errors, 'an alarm on the function errors');
  assert.deepEqual(errors.Dimensions, [{ Name: 'FunctionName', Value: { Ref: 'ApiLambdaFunction' } }]);
  assert.ok(notifies(errors), 'the errors alarm notifies the topic');

  const internal = alarms.find((a) => a.Namespace === 'KMS' && a.MetricName === 'InternalError');
  assert.ok(internal, 'an alarm on KMS/InternalError');
  // Powertools Metrics adds the service dimension; the alarm must name it to match the metric.
  assert.deepEqual(internal.Dimensions, [{ Name: 'service', Value: 'kms' }]);
  assert.ok(notifies(internal), 'the InternalError alarm notifies the topic');
});

test('the jobs run on EventBridge schedules, rotation requests on an EventBridge rule, all with the jobs role', () => {
  const schedules: Record<string, string> = {
    RotationJobLambdaFunction: 'rate(1 hour)',
    DeletionJobLambdaFunction: 'rate(15 minutes)',
    ExpiryJobLambdaFunction: 'rate(15 minutes)',
  };
  const rules = resourcesOfType('AWS::Events::Rule').map(([, r]) => r.Properties);
  for (const [fn, expression] of Object.entries(schedules)) {
    const f = resource(fn);
    assert.equal(f.Properties.Runtime, 'nodejs22.x');
    assert.deepEqual(f.Properties.Role, { 'Fn::GetAtt': ['JobsFunctionRole', 'Arn'] });
    const rule = rules.find((r) => asArray(r.Targets).some((t: any) => t.Arn?.['Fn::GetAtt']?.[0] === fn));
    assert.ok(rule, `${fn} has a rule`);
    assert.equal(rule.ScheduleExpression, expression);
    assert.equal(f.Properties.Environment.Variables.KMS_TABLE_NAME, tableName);
    assert.equal(f.Properties.Environment.Variables.KMS_EVENT_SOURCE, `kms.${stage}`);
  }
  const request = rules.find((r) => asArray(r.Targets).some((t: any) => t.Arn?.['Fn::GetAtt']?.[0] === 'RotationRequestLambdaFunction'));
  assert.ok(request, 'rotation requests have a rule');
  assert.deepEqual(request.EventPattern, { 'detail-type': ['KMS Key Rotation Request'] });
  assert.equal(resource('JobsFunctionRole').Properties.ManagedPolicyArns, undefined);
});

test('audit records go to a dedicated log group with retention, archived to an encrypted private bucket', () => {
  const group = resource('AuditLogGroup');
  assert.equal(group.Properties.LogGroupName, `/kms/${stage}/audit`);
  assert.ok(group.Properties.RetentionInDays >= 365);
  assert.equal(group.DeletionPolicy, 'Retain');
  const subscription = onlyResourceOfType('AWS::Logs::SubscriptionFilter')[1].Properties;
  assert.deepEqual(subscription.LogGroupName, { Ref: 'AuditLogGroup' });
  assert.deepEqual(subscription.DestinationArn, { 'Fn::GetAtt': ['AuditArchiveStream', 'Arn'] });
  const stream = resource('AuditArchiveStream').Properties.ExtendedS3DestinationConfiguration;
  assert.deepEqual(stream.BucketARN, { 'Fn::GetAtt': ['AuditArchiveBucket', 'Arn'] });
  const bucket = resource('AuditArchiveBucket');
  assert.equal(bucket.DeletionPolicy, 'Retain');
  assert.ok(bucket.Properties.BucketEncryption);
  assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  for (const fn of ['ApiLambdaFunction', 'RotationJobLambdaFunction']) {
    assert.equal(resource(fn).Properties.Environment.Variables.KMS_AUDIT_LOG_GROUP, `/kms/${stage}/audit`);
  }
});

test('alarms on use of keys pending deletion and on job failures notify the topic', () => {
  const [topicId] = onlyResourceOfType('AWS::SNS::Topic');
  const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  for (const metric of ['PendingDeletionKeyUse', 'JobFailures']) {
    const alarm = alarms.find((a) => a.Namespace === 'KMS' && a.MetricName === metric);
    assert.ok(alarm, `an alarm on KMS/${metric}`);
    assert.deepEqual(alarm.Dimensions, [{ Name: 'service', Value: 'kms' }]);
    assert.ok(asArray(alarm.AlarmActions).some((a: any) => a?.Ref === topicId));
  }
  assert.deepEqual(resource('ApiLambdaFunction').Properties.Environment.Variables.KMS_ALARM_TOPIC_ARN, { Ref: topicId });
});
