import { agentApi } from '../../../../src/agent-api';

/** Agents report heartbeats and events here, with their API token as a bearer token. */
export const POST = (req: Request) => agentApi().events(req);
