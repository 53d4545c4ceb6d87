/**
 * `npm run credentials -- <command>`: manage the service credentials of the service `npm start` runs on
 * the same data directory (KMS_DATA_DIR), through its admin route (admin token in the data directory).
 *
 *   create --principal <arn> [--vpce <id>] [--description <text>]
 *                         a new access key for the principal; prints its secret (and, for an assumed-role
 *                         session, its session token) once: they are stored only sealed (or hashed)
 *   list                  every credential, no secrets, with its status and last use
 *   disable <akid>        refused from now on (UnrecognizedClientException); enable <akid> undoes it
 *   delete <akid>         gone for good
 *   rotate <akid> [--disable-old]
 *                         a new access key for the same principal; the old one stays usable until
 *                         disabled (at once with --disable-old)
 *
 * Every change leaves an audit record (CreateAccessKey, UpdateAccessKey, DeleteAccessKey) naming the
 * operator (--by, default $USER).
 */
import { adminRequest, printAdminResult, runCommand, parseCommandLine } from './admin-client.js';

const USAGE =
  'usage: npm run credentials -- create --principal <arn> [--vpce <id>] [--description <text>] | list | disable <akid> | enable <akid> | delete <akid> | rotate <akid> [--disable-old]';

async function main(): Promise<number> {
  const { positionals, values } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: {
      principal: { type: 'string' },
      vpce: { type: 'string' },
      description: { type: 'string' },
      by: { type: 'string' },
      'disable-old': { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
  });
  const [command, accessKeyId, ...rest] = positionals;
  if (rest.length > 0) return usage();
  const dataDir = values['data-dir'];
  const by = values.by ?? process.env.USER ?? 'local operator';
  let result: { status: number; body: Record<string, unknown> };
  switch (command) {
    case 'list':
      if (accessKeyId) return usage();
      result = await adminRequest('/!admin/credentials', { method: 'GET', dataDir });
      break;
    case 'create':
      if (accessKeyId || !values.principal) return usage();
      result = await adminRequest('/!admin/credentials', {
        dataDir,
        body: { principalArn: values.principal, vpcEndpointId: values.vpce, description: values.description, by },
      });
      break;
    case 'disable':
    case 'enable':
    case 'delete':
    case 'rotate':
      if (!accessKeyId) return usage();
      result = await adminRequest(`/!admin/credentials/${encodeURIComponent(accessKeyId)}/${command}`, {
        dataDir,
        body: { by, disableOld: values['disable-old'] === true },
      });
      break;
    default:
      return usage();
  }
  const code = printAdminResult(result);
  if (code === 0 && (command === 'create' || command === 'rotate')) console.error('The secret (and any session token) is shown this once: store it now.');
  return code;
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

runCommand(main);
