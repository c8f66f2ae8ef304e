import { agentApi } from '../../../../../src/agent-api';

/** An HTTPS agent reports a job failed; BullMQ retries it unless the failure is final. */
export const POST = (req: Request) => agentApi().fail(req);
