/** Alias name and target rules shared by CreateAlias, UpdateAlias and DeleteAlias (KMS-REFERENCE §4). */
import { aliasArn, parseKeyReference } from '../core/ids.js';
import type { AliasRecord } from '../core/types.js';
import { NotAuthorizedException, NotFoundException, ValidationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';

const PREFIX = 'alias/';
const AWS_PREFIX = 'alias/aws/';

/** The name must start with alias/ (observed wording); alias/aws/ is reserved for AWS managed keys. */
export function checkAliasName(aliasName: string): void {
  if (!aliasName.startsWith(PREFIX)) {
    throw new ValidationException(
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
  }
  if (aliasName.startsWith(AWS_PREFIX)) throw new NotAuthorizedException();
}

/** An alias must point at a key, named by key id or key ARN, never by another alias. */
export function checkTargetIsKey(targetKeyId: string): void {
  const ref = parseKeyReference(targetKeyId);
  if (ref.kind === 'aliasName' || ref.kind === 'aliasArn') {
    throw new ValidationException('Aliases must refer to keys. Not aliases');
  }
}

export async function existingAlias(ctx: OperationContext, aliasName: string): Promise<AliasRecord> {
  const alias = await ctx.store.getAlias(ctx.caller.account, aliasName);
  if (!alias) throw new NotFoundException(`Alias ${aliasArn(ctx.region, ctx.caller.account, aliasName)} is not found.`);
  return alias;
}

export function aliasListEntry(ctx: OperationContext, alias: AliasRecord) {
  return {
    AliasName: alias.aliasName,
    AliasArn: aliasArn(ctx.region, alias.account, alias.aliasName),
    TargetKeyId: alias.targetKeyId,
    CreationDate: new Date(alias.creationDate),
    LastUpdatedDate: new Date(alias.lastUpdatedDate),
  };
}
