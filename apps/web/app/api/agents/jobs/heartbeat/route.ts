import { agentApi } from '../../../../../src/agent-api';

/** An HTTPS agent renews the lease of a job it runs. */
export const POST = (req: Request) => agentApi().heartbeat(req);
