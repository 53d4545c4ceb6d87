/**
 * `npm run region -- <command>`: rehearse disaster recovery against the service `npm start` runs on the
 * same data directory (KMS_DATA_DIR).
 *
 *   down <region>                               the region answers every request with 503 and stops replicating
 *   up <region>                                 back; what was written elsewhere meanwhile reaches it
 *   fail <region> --recovery <r> [--reason ..]  declare <region> failed: <r> decrypts its keys' ciphertexts
 *                                               (needs KMS_RECOVERY_DECRYPT=true; audited in <r>)
 *   restore <region> --recovery <r>             withdraw that declaration (audited)
 *   status                                      regions, which are down, which are declared failed
 *   sync                                        wait until replication has caught up
 */
import { adminRequest, printAdminResult, runCommand, parseCommandLine } from './admin-client.js';

const USAGE = 'usage: npm run region -- <down|up> <region> | <fail|restore> <region> --recovery <region> [--reason <text>] | status | sync';

async function main(): Promise<number> {
  const { positionals, values } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: { recovery: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const [command, region] = positionals;
  const dataDir = values['data-dir'];
  let result: { status: number; body: Record<string, unknown> };
  switch (command) {
    case 'status':
      result = await adminRequest('/!admin/regions', { method: 'GET', dataDir });
      break;
    case 'sync':
      result = await adminRequest('/!admin/replication/sync', { dataDir });
      break;
    case 'down':
    case 'up':
      if (!region) return usage();
      result = await adminRequest(`/!admin/regions/${region}/${command}`, { dataDir });
      break;
    case 'fail':
    case 'restore':
      if (!region || !values.recovery) return usage();
      result = await adminRequest(`/!admin/regions/${region}/${command}`, {
        dataDir,
        body: { recovery: values.recovery, reason: values.reason, by: values.by ?? process.env.USER },
      });
      break;
    default:
      return usage();
  }
  return printAdminResult(result);
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

runCommand(main);
