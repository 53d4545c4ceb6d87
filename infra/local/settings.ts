/** The local runtime's numeric and path settings from its environment, checked (a bad value stops the start). */

export type Env = Record<string, string | undefined>;

export function positiveSetting(env: Env, name: string, options: { allowZero?: boolean } = {}): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (options.allowZero ? 0 : 1)) {
    throw new Error(`${name} must be a ${options.allowZero ? 'non-negative' : 'positive'} integer, got '${raw}'`);
  }
  return value;
}

export function jobInterval(env: Env): number {
  return positiveSetting(env, 'KMS_JOB_INTERVAL_MS', { allowZero: true }) ?? 60_000;
}

/** KMS_BASE_PATH `dev`, `/dev` or `/dev/` → `/dev`; '' for none. */
export function basePathOf(raw: string | undefined): string {
  const trimmed = (raw ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (trimmed !== '' && !/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(trimmed)) throw new Error(`KMS_BASE_PATH must be a URL path like /dev, got '${raw}'`);
  return trimmed === '' ? '' : `/${trimmed}`;
}
