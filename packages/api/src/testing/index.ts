// Fixtures for integration tests of other workspaces (the agent's end-to-end tests).
export { exampleContract } from './contracted-pipeline';
export { seedFleet } from './fleet';
export { scratchOrganization } from './scratch-organization';
export { type ReceivedRequest, startWebhookReceiver } from './webhook-receiver';
