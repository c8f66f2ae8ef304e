import { agentApi } from '../../../../../src/agent-api';

/** An HTTPS agent's long poll for the next job of its own queue. */
export const POST = (req: Request) => agentApi().claim(req);
