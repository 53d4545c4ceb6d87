// The package's entry point: the launcher is TypeScript, run through tsx (a dependency).
import { register } from 'tsx/esm/api';

register();
export const { startKms } = await import('./launcher.ts');
