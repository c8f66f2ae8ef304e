/**
 * Next calls this once as a server starts: the control plane's background work starts here. Every
 * instance runs the contract evaluator; its database lock lets one at a time evaluate. Every instance
 * also schedules table maintenance; a lock per pipeline keeps two instances from sending the same job;
 * keeps the agents' Redis logins, which a restarted Redis has forgotten; and deletes old agent events.
 */
export async function register() {
  // Only in the Node.js server, and not while `next build` loads the app to collect its pages.
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const [
    { startAgentAclKeeper, startContractEvaluator, startMaintenanceScheduler, startRetention },
    { db },
    { redis },
  ] = await Promise.all([import('@floe/api'), import('@floe/db'), import('./src/redis')]);
  startContractEvaluator(db());
  startMaintenanceScheduler(db(), redis);
  startAgentAclKeeper(db(), redis);
  startRetention(db());
}
