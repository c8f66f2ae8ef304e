/** The running local stack's connection settings ({} when the stack was never started). */
export function loadStackEnv(): Record<string, string>;
