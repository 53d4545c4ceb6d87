/** The generated names (shared/model/names.ts) match the model, and the operation table is checked against them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { model } from '../../shared/model/model.js';
import { GRANT_OPERATION_NAMES, OPERATION_NAMES } from '../../shared/model/names.js';
import type { OperationTable } from '../../shared/model/operation-table.js';
import { operations } from '../../shared/operations/index.js';

test('the generated names are the model\'s (npm run gen:model writes both)', () => {
  assert.deepEqual([...OPERATION_NAMES], Object.keys(model.operations).sort());
  assert.deepEqual([...GRANT_OPERATION_NAMES], model.shapes.GrantOperation!.enum);
});

test('every operation of the table is a model operation, and a name that is not one does not compile', () => {
  for (const name of Object.keys(operations)) assert.ok((OPERATION_NAMES as readonly string[]).includes(name), name);
  // The same check the table gets; `npm test` typechecks, so these lines fail the run if the check ever stops working.
  // @ts-expect-error NotAnOperation is not an operation of AWS's model
  const bogus = { NotAnOperation: async () => ({}) } satisfies OperationTable<unknown>;
  // @ts-expect-error Encrypt answers CiphertextBlob as bytes, not text
  const wrongType = { Encrypt: async () => ({ CiphertextBlob: 'text' }) } satisfies OperationTable<unknown>;
  // @ts-expect-error CreateKey takes its KeyUsage from the model's enum
  const wrongInput = { CreateKey: async (input: { KeyUsage?: number }) => ({ input }) } satisfies OperationTable<unknown>;
  assert.ok(bogus && wrongType && wrongInput);
});
