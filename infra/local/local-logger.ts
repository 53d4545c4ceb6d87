import type { EmulatorLogger } from './api-gateway.js';

/**
 * The runtime's own log lines (JSON on stderr, like the handler's Powertools logs). Per-request lines
 * exist only at DEBUG, so the hot path pays nothing at the default level.
 */
export function localLogger(level: string): EmulatorLogger & { info: (message: string, fields?: Record<string, unknown>) => void } {
  const write = (lvl: string, message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(JSON.stringify({ level: lvl, service: 'kms-local', timestamp: new Date().toISOString(), message, ...fields }) + '\n');
  const rank = ['DEBUG', 'INFO', 'WARN', 'ERROR'].indexOf(level.toUpperCase());
  const at = rank < 0 ? 2 : rank;
  return {
    debug: at <= 0 ? (message, fields) => write('DEBUG', message, fields) : undefined,
    info: (message, fields) => at <= 1 && write('INFO', message, fields),
    error: (message, fields) => write('ERROR', message, fields),
  };
}
