import { agentApi } from '../../../../src/agent-api';

/** An agent exchanges its one-time install token for its own credentials (and learns its transport). */
export const POST = (req: Request) => agentApi().enroll(req);
