import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root';

export { type AppRouter, appRouter } from './root';
export { type Context, createCallerFactory, type Session } from './trpc';
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { sendJob } from './agents/dispatch';
export {
  type AgentCredentials,
  authenticateAgent,
  createAgent,
  EnrollmentError,
  enrollAgent,
  syncAgentAclUsers,
} from './agents/enrollment';
export { recordAgentEvents } from './agents/events';
export { reconcileAgent } from './agents/reconcile';
export { contractedTable, currentFreshness, sharedContract } from './contracts/status';
export { signUpInput } from './schemas/account';
