/** Who a request comes from and where it runs: what every layer may know of a request (types only). */

export interface Caller {
  account: string;
  /** The authenticated principal: account root, IAM user or role, or an assumed-role session. */
  principalArn: string;
  /** The principal's unique id (`AIDA…`, `AROA…:session`, the account id for a root): STS's UserId. */
  userId?: string;
  accessKeyId?: string;
  sourceIp?: string;
  /** The VPC endpoint a request came through (API Gateway private APIs), for aws:SourceVpce. */
  vpceId?: string;
  /** The client's User-Agent header (for the audit record). */
  userAgent?: string;
}

export interface RequestScope {
  caller: Caller;
  region: string;
  requestId: string;
}

/** One KMS operation as the dispatcher calls it: the decoded input and a context of the caller's choosing. */
export type Operation<Ctx> = (input: never, ctx: Ctx) => Promise<object | void>;
