/** The generated names (shared/model/names.ts) match the model, and the operation table is checked against them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Operation } from '../../shared/core/caller.js';
import { model } from '../../shared/model/model.js';
import { GRANT_OPERATION_NAMES, OPERATION_NAMES, type OperationName } from '../../shared/model/names.js';
import { operations } from '../../shared/operations/index.js';

test('the generated names are the model\'s (npm run gen:model writes both)', () => {
  assert.deepEqual([...OPERATION_NAMES], Object.keys(model.operations).sort());
  assert.deepEqual([...GRANT_OPERATION_NAMES], model.shapes.GrantOperation!.enum);
});

test('every operation of the table is a model operation, and a name that is not one does not compile', () => {
  for (const name of Object.keys(operations)) assert.ok((OPERATION_NAMES as readonly string[]).includes(name), name);
  // The same check the table gets; `npm test` typechecks, so this line fails the run if the check ever stops working.
  // @ts-expect-error NotAnOperation is not an operation of AWS's model
  const bogus = { NotAnOperation: async () => ({}) } satisfies Partial<Record<OperationName, Operation<unknown>>>;
  assert.ok(bogus);
});
