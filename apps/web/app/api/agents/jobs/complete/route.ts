import { agentApi } from '../../../../../src/agent-api';

/** An HTTPS agent reports a job done, with its (metadata-only) result. */
export const POST = (req: Request) => agentApi().complete(req);
