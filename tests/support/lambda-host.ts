/**
 * Runs packaged Lambda bundles (from `npm run package`) the way AWS calls them, for
 * tests/compat/deployed-bundle.test.ts. A child process of its own, because a bundle reads its
 * configuration from the environment when it is imported, as in Lambda.
 *
 *   - API Gateway in front of the `api` bundle: REST proxy events with the stage path (`/dev/`), no
 *     authorizer (authMode=service), plus the headers API Gateway adds (X-Forwarded-*, X-Amzn-Trace-Id).
 *     It listens on one port and also takes requests in absolute form, so a client pointed at
 *     `http://<api>.execute-api.<region>.amazonaws.com/dev` with this port as its HTTP proxy reaches it
 *     with the Host header and path it signed.
 *   - `aws lambda invoke` of the `credentials` bundle: POST /!admin/invoke/credentials with the payload.
 *   - The AWS services the bundles call besides DynamoDB (CloudWatch Logs for the audit trail,
 *     EventBridge, SNS), answered by a recorder on another port (AWS_ENDPOINT_URL_<SERVICE>): GET
 *     /!admin/captured returns the audit records the API and the credentials function wrote.
 *
 * Environment: KMS_HOST_API_BUNDLE and KMS_HOST_CREDENTIALS_BUNDLE (paths of the extracted handler.mjs
 * files), KMS_HOST_STAGE (default dev), and the functions' own variables (KMS_TABLE_NAME, KMS_ROOT_KEY,
 * KMS_DYNAMODB_ENDPOINT, ...). Prints `lambda host: <url>` once it serves.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createApiGatewayServer } from '../../infra/local/api-gateway.js';
import { LocalLambdaContext } from '../../infra/local/lambda-event.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const audit: unknown[] = [];
/** What the API function was handed: the path the client sent and its Host, per request. */
const seen: Array<{ path: string; host: string | undefined }> = [];

/** The audit log group's streams, made by CreateLogStream. */
const logStreams = new Set<string>();

/** The AWS services the bundles write to, as far as the tests need them: they accept and record. */
async function startAwsRecorder(): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const json = (value: unknown) => {
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(value));
      };
      if (target.endsWith('.PutLogEvents')) {
        const put = JSON.parse(body) as { logStreamName: string; logEvents: Array<{ message: string }> };
        // As CloudWatch Logs: a stream must be made before records go into it.
        if (!logStreams.has(put.logStreamName)) {
          res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
          return res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' }));
        }
        for (const event of put.logEvents) audit.push(JSON.parse(event.message));
        return json({ nextSequenceToken: String(audit.length) });
      }
      if (target.endsWith('.CreateLogStream')) {
        logStreams.add((JSON.parse(body) as { logStreamName: string }).logStreamName);
        return json({});
      }
      if (target.endsWith('.PutEvents')) {
        const entries = (JSON.parse(body) as { Entries: unknown[] }).Entries;
        return json({ FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `event-${i}` })) });
      }
      // SNS Publish (AWS Query protocol).
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end('<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main() {
  const recorder = await startAwsRecorder();
  for (const service of ['CLOUDWATCH_LOGS', 'EVENTBRIDGE', 'SNS']) process.env[`AWS_ENDPOINT_URL_${service}`] = recorder;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const stage = process.env.KMS_HOST_STAGE ?? 'dev';
  // As Lambda does: the bundles read their configuration from the environment at import.
  const api = (await import(pathToFileURL(process.env.KMS_HOST_API_BUNDLE!).href)) as { handler: Handler };
  const credentials = (await import(pathToFileURL(process.env.KMS_HOST_CREDENTIALS_BUNDLE!).href)) as { handler: Handler };

  // What API Gateway adds to the client's headers on its way to the function (none of them signed).
  const viaApiGateway = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const added: Record<string, string> = {
      'X-Forwarded-For': `${event.requestContext.identity.sourceIp}`,
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
      'X-Amzn-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${'0'.repeat(24)}`,
    };
    seen.push({ path: event.requestContext.path, host: event.headers.Host ?? event.headers.host });
    for (const [name, value] of Object.entries(added)) {
      event.headers[name] = value;
      event.multiValueHeaders[name] = [value];
    }
    return (await api.handler(event, context)) as APIGatewayProxyResult;
  };

  const admin = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const path = (req.url ?? '').split('?', 1)[0];
      if (path === '/!admin/captured') return send(200, { audit, seen, logStreams: [...logStreams] });
      if (path !== '/!admin/invoke/credentials') return send(404, { message: 'no such route' });
      const context = new LocalLambdaContext(`kms-${stage}-credentials`, crypto.randomUUID(), region, Date.now() + 30_000);
      credentials
        .handler(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), context)
        .then((result) => send(200, result), (error: unknown) => send(500, { errorType: (error as Error).name, errorMessage: (error as Error).message }));
    });
  };

  const server = createApiGatewayServer({
    handler: viaApiGateway,
    basePath: `/${stage}`,
    stage,
    functionName: `kms-${stage}-api`,
    region,
    admin,
    logger: { error: (message, fields) => process.stderr.write(`${JSON.stringify({ message, ...fields })}\n`) },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`lambda host: http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`lambda host failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
