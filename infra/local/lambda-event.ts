/**
 * What the local API Gateway hands the Lambda handler: the REST API (v1) proxy event of a request, as
 * API Gateway builds it with no authorizer, and the Lambda context object. Built for every request, so
 * lean: one pass over the raw headers into fast-mode records (dataRecord), the request time formatted
 * once a second.
 */
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { dataRecord } from '../../shared/core/data-record.js';

export const LOCAL_ACCOUNT_ID = '111122223333';


export interface EventInput {
  req: IncomingMessage;
  body: string;
  requestId: string;
  stage: string;
  /** The path the client sent, without its query string (requestContext.path). */
  requestPath: string;
  /** The path below the base path (event.path): `/` for the KMS API. */
  resourcePath: string;
  now: number;
}

/** The REST API (v1) proxy event, shaped as API Gateway sends it for `POST /` with no authorizer. */
export function buildEvent({ req, body, requestId, stage, requestPath, resourcePath, now }: EventInput): APIGatewayProxyEvent {
  // One pass over rawHeaders: API Gateway keeps the client's header-name case, the last value wins in
  // `headers`, every value is kept in `multiValueHeaders`.
  const raw = req.rawHeaders;
  const headers = dataRecord<string>(); // request data: `__proto__` is a name like any other
  const multiValueHeaders = dataRecord<string[]>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    headers[name] = value;
    const values = multiValueHeaders[name];
    if (values) values.push(value);
    else multiValueHeaders[name] = [value];
  }
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const query = queryStart < 0 ? null : queryParameters(url.slice(queryStart + 1));
  const host = req.headers.host ?? 'localhost';
  return {
    body,
    headers,
    multiValueHeaders,
    httpMethod: req.method ?? 'POST',
    isBase64Encoded: false,
    path: resourcePath,
    pathParameters: null,
    queryStringParameters: query?.single ?? null,
    multiValueQueryStringParameters: query?.multi ?? null,
    stageVariables: null,
    resource: '/',
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      authorizer: null,
      domainName: host,
      domainPrefix: host.split('.', 1)[0],
      extendedRequestId: requestId,
      httpMethod: req.method ?? 'POST',
      // No authorizer: API Gateway knows nothing of the caller beyond the connection.
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: sourceIp(req),
        user: null,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: requestPath,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath: '/',
      stage,
    },
  };
}

function queryParameters(search: string) {
  const single = dataRecord<string>(); // request data: `__proto__` is a name like any other
  const multi = dataRecord<string[]>();
  for (const [name, value] of new URLSearchParams(search)) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

function sourceIp(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let cachedSecond = -1;
let cachedRequestTime = '';

/** API Gateway's `09/Apr/2015:12:34:56 +0000`, formatted at most once per second. */
export function requestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    const two = (n: number) => String(n).padStart(2, '0');
    cachedRequestTime = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(
      d.getUTCMinutes(),
    )}:${two(d.getUTCSeconds())} +0000`;
    cachedSecond = second;
  }
  return cachedRequestTime;
}

/** The Lambda context object; methods live on the prototype so a request allocates one small object. */
export class LocalLambdaContext implements Context {
  callbackWaitsForEmptyEventLoop = true;
  functionVersion = '$LATEST';
  memoryLimitInMB = '1024';
  readonly logGroupName: string;
  readonly logStreamName = 'local';
  readonly invokedFunctionArn: string;
  constructor(
    readonly functionName: string,
    readonly awsRequestId: string,
    region: string,
    private readonly deadline: number,
  ) {
    this.logGroupName = `/aws/lambda/${functionName}`;
    this.invokedFunctionArn = `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
  }
  getRemainingTimeInMillis(): number {
    return Math.max(0, this.deadline - Date.now());
  }
  done(): void {}
  fail(): void {}
  succeed(): void {}
}
