/**
 * Next calls this once as a server starts. First the environment is checked: a missing or malformed
 * variable stops the server at once, by name, rather than failing a request later. Then the control
 * plane's background work starts. Every instance runs the contract evaluator; its database lock lets
 * one at a time evaluate. Every instance also schedules table maintenance; a lock per pipeline keeps two
 * instances from sending the same job; keeps the agents' Redis logins, which a restarted Redis has
 * forgotten; and deletes old agent events.
 */
export async function register() {
  // Only in the Node.js server, and not while `next build` loads the app to collect its pages
  // (Next's own markers of where it runs, not settings).
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { env, WebEnvError } = await import('./src/env');
  let settings: ReturnType<typeof env>;
  try {
    settings = env();
  } catch (error) {
    if (!(error instanceof WebEnvError)) throw error;
    console.error(`floe-web: ${error.message}`);
    process.exit(1);
  }
  const [
    { startAgentAclKeeper, startContractEvaluator, startMaintenanceScheduler, startRetention },
    { db },
    { redis },
  ] = await Promise.all([import('@floe/api'), import('@floe/db'), import('./src/redis')]);
  startContractEvaluator(db());
  startMaintenanceScheduler(db(), redis);
  startAgentAclKeeper(db(), redis);
  startRetention(db(), settings);
}
