/**
 * Writes shared/model/kms-model.json: AWS's KMS API model (botocore service-2.json, Apache-2.0)
 * without its documentation strings. The validator and codec read shapes, required members, lengths,
 * ranges, enums and patterns from it, so every operation is checked exactly as the model says.
 * Usage: npm run gen:model -- <path to kms-api-model.json> (default ../shared/kms-api-model.json)
 */
import { readFileSync, writeFileSync } from 'node:fs';

const source = process.argv[2] ?? '../shared/kms-api-model.json';
const model = JSON.parse(readFileSync(source, 'utf8'));

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'documentation' || k === 'deprecatedMessage' || k === 'exception' || k === 'errors') continue;
      out[k] = strip(v);
    }
    return out;
  }
  return value;
}

const operations: Record<string, unknown> = {};
for (const [name, op] of Object.entries<{ input?: { shape: string }; output?: { shape: string } }>(model.operations)) {
  operations[name] = { input: op.input?.shape, output: op.output?.shape };
}
const out = { metadata: { apiVersion: model.metadata.apiVersion, targetPrefix: model.metadata.targetPrefix }, operations, shapes: strip(model.shapes) };
writeFileSync(new URL('../../shared/model/kms-model.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${Object.keys(operations).length} operations, ${Object.keys(model.shapes).length} shapes`);
