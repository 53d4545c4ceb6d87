/**
 * The AWS CLI v2 (Debian's `awscli`, /usr/bin/aws) as the compatibility tests run it: `aws kms ...`
 * against one endpoint, with only the credentials and region given here (no config or credentials files,
 * no instance metadata), JSON output parsed, and AWS's error line checked for service errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';

export const AWS_CLI = '/usr/bin/aws';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The service's endpoint (read when each command runs). */
  endpoint: () => string;
  /** HOME of the CLI (it caches things there). */
  home: () => string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function awsCli(options: CliOptions) {
  const credentials = options.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' };

  function aws(args: string[], run: { output?: 'json' | 'text'; region?: string } = {}): Promise<CliResult> {
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/bin:/bin',
      HOME: options.home(),
      LANG: 'C.UTF-8',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: options.region,
      AWS_DEFAULT_REGION: options.region,
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const argv = ['kms', ...args, '--endpoint-url', options.endpoint(), '--region', run.region ?? options.region, '--output', run.output ?? 'json'];
    return new Promise((resolve) => {
      execFile(AWS_CLI, argv, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs the CLI, expects success, parses its JSON output. */
  async function awsJson<T = Record<string, any>>(args: string[], region?: string): Promise<T> {
    const result = await aws(args, { region });
    assert.equal(result.code, 0, `aws kms ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}`);
    return (result.stdout.trim() === '' ? {} : JSON.parse(result.stdout)) as T;
  }

  /** Runs the CLI, expects the error line AWS's CLI prints for a service error and exit code 254; returns the message. */
  async function awsError(args: string[], type: string, operation: string): Promise<string> {
    const result = await aws(args);
    assert.equal(result.code, 254, `expected exit 254 from aws kms ${args.join(' ')}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    const prefix = `An error occurred (${type}) when calling the ${operation} operation: `;
    const line = result.stderr.split(/\r?\n/).find((l) => l.includes('An error occurred'))?.trimStart();
    assert.ok(line, `no error line in stderr: ${result.stderr}`);
    // AWS omits the message of some exceptions (InvalidCiphertextException): the line then ends after ': '.
    assert.ok(line.startsWith(prefix) || line === prefix.trimEnd(), `stderr line ${JSON.stringify(line)} does not start with ${JSON.stringify(prefix)}`);
    return line.slice(prefix.length);
  }

  return { aws, awsJson, awsError };
}
