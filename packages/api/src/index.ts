import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root';

export { type AppRouter, appRouter } from './root';
export { type Context, createCallerFactory, type Session } from './trpc';
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { signUpInput } from './account/schemas';
export { sendJob } from './agents/dispatch';
export {
  authenticateAgent,
  createAgent,
  EnrollmentError,
  enrollAgent,
  newInstallToken,
  startAgentAclKeeper,
  syncAgentAclUsers,
  type TransportSetting,
} from './agents/enrollment';
export { recordAgentEvents } from './agents/events';
export { type AgentApiRoutes, agentApiRoutes } from './agents/http/routes';
export { reconcileAgent } from './agents/reconcile';
export type { Cutover } from './backfill/cutovers';
export { type ApiEnv, apiEnv, apiEnvShape } from './config';
export { evaluateContracts } from './contracts/evaluate';
export type { ContractHealth } from './contracts/health';
export { startContractEvaluator } from './contracts/scheduler';
export {
  contractedTable,
  currentFreshness,
  qualifiedName,
  sharedBadge,
  sharedContract,
} from './contracts/status';
export { scheduleMaintenance, startMaintenanceScheduler } from './maintenance/scheduler';
export { buildPipelineSpec } from './pipelines/build-spec';
export { startRetention } from './retention/scheduler';
