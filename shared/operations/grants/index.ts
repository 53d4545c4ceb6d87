/** The grant operations, by `TrentService.<Operation>` name; spread into shared/operations/index.ts. */
import type { OperationContext } from '../../context/operation-context.js';
import type { OperationTable } from '../../model/operation-table.js';
import { createGrant } from './create-grant.js';
import { listGrants } from './list-grants.js';
import { listRetirableGrants } from './list-retirable-grants.js';
import { retireGrant } from './retire-grant.js';
import { revokeGrant } from './revoke-grant.js';

export const grantOperations = {
  CreateGrant: createGrant,
  ListGrants: listGrants,
  ListRetirableGrants: listRetirableGrants,
  RetireGrant: retireGrant,
  RevokeGrant: revokeGrant,
} satisfies OperationTable<OperationContext>;
