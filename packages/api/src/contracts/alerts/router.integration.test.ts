import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exampleContract, seedPipeline } from '../../testing/contracted-pipeline';
import { scratchOrganization } from '../../testing/scratch-organization';
import { startWebhookReceiver } from '../../testing/webhook-receiver';
import { openSecret } from './secret-box';

describe('alert destinations of a contract', () => {
  let fixture: Awaited<ReturnType<typeof scratchOrganization>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const admin = () => fixture.as('admin@acme.test');
  const orgSlug = 'acme';
  const pipelineId = 'pl-1';

  beforeAll(async () => {
    [fixture, receiver] = await Promise.all([
      scratchOrganization({ 'admin@acme.test': 'ADMIN', 'editor@acme.test': 'EDITOR' }),
      startWebhookReceiver(),
    ]);
    await seedPipeline(fixture.db, fixture.org.id, fixture.ids['admin@acme.test'] as string);
  });

  afterEach(() => {
    delete process.env.FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS;
  });

  afterAll(async () => {
    await receiver?.close();
    await fixture?.close();
  });

  it('needs a contract first', async () => {
    await expect(
      admin().contract.alerts.create({ orgSlug, pipelineId, kind: 'webhook', url: receiver.url('/hook') }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'write the contract before its alerts' });
    await admin().contract.save({ orgSlug, pipelineId, contract: exampleContract });
  });

  it('refuses a URL that is not https (except to localhost), naming the field', async () => {
    for (const [url, message] of [
      ['hooks.example.com/floe', 'a full URL, like https://hooks.example.com/floe'],
      ['http://hooks.example.com/floe', 'must start with https:// (http:// only to localhost)'],
    ]) {
      const error = await admin()
        .contract.alerts.create({ orgSlug, pipelineId, kind: 'webhook', url: url as string })
        .catch((e) => e);
      expect(JSON.parse(error.message)).toMatchObject([{ path: ['url'], message }]);
    }
  });

  it('is for admins: an editor can neither add nor list destinations', async () => {
    const editor = fixture.as('editor@acme.test');
    await expect(editor.contract.alerts.list({ orgSlug, pipelineId })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      editor.contract.alerts.create({ orgSlug, pipelineId, kind: 'slack', url: 'https://hooks.slack.com/x' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('makes a signing secret, shows it once and keeps it encrypted', async () => {
    const { id, signingSecret } = await admin().contract.alerts.create({
      orgSlug,
      pipelineId,
      kind: 'webhook',
      url: receiver.url('/hook'),
    });
    expect(signingSecret).toMatch(/^floe_whsec_[\w-]{43}$/);
    const listed = await admin().contract.alerts.list({ orgSlug, pipelineId });
    expect(listed).toEqual([
      { id, kind: 'webhook', url: receiver.url('/hook'), createdAt: expect.any(Date), lastDelivery: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(signingSecret);
    const stored = await fixture.db.alertDestination.findUniqueOrThrow({ where: { id } });
    expect(stored.signingSecretEncrypted).not.toContain(signingSecret.slice(11));
    expect(openSecret(stored.signingSecretEncrypted)).toBe(signingSecret);
    const audit = await fixture.db.auditEvent.findFirstOrThrow({
      where: { action: 'contract.alerts.create' },
    });
    expect(JSON.stringify([audit.input, audit.after])).not.toContain(signingSecret);
    expect(audit.after).toEqual({ id, kind: 'webhook', url: receiver.url('/hook') });
  });

  it('sends a signed test message and says how the receiver answered', async () => {
    process.env.FLOE_ALERTS_ALLOW_PRIVATE_NETWORKS = 'true';
    const { id, signingSecret } = await admin().contract.alerts.create({
      orgSlug,
      pipelineId,
      kind: 'slack',
      url: receiver.url('/slack'),
    });
    expect(await admin().contract.alerts.test({ orgSlug, pipelineId, destinationId: id })).toEqual({
      ok: true,
      status: 200,
      error: null,
    });
    const [message] = receiver.received('/slack');
    expect(JSON.parse(message?.body ?? '')).toEqual({
      text: 'Test from Floe: freshness alerts for *sales.orders* (pipeline orders) arrive here.',
    });
    const [, t, v1] = /^t=(\d+),v1=(\w+)$/.exec(String(message?.headers['floe-signature'])) ?? [];
    expect(createHmac('sha256', signingSecret).update(`${t}.${message?.body}`).digest('hex')).toBe(v1);

    receiver.answer('/slack', 500);
    expect(await admin().contract.alerts.test({ orgSlug, pipelineId, destinationId: id })).toEqual({
      ok: false,
      status: 500,
      error: 'the receiver answered HTTP 500',
    });
  });

  it('does not post into the control plane’s own network unless allowed', async () => {
    const [destination] = await admin().contract.alerts.list({ orgSlug, pipelineId });
    const result = await admin().contract.alerts.test({
      orgSlug,
      pipelineId,
      destinationId: destination?.id ?? '',
    });
    expect(result).toMatchObject({
      ok: false,
      status: null,
      error: expect.stringContaining('127.0.0.1 is not a public address'),
    });
    const { id } = await admin().contract.alerts.create({
      orgSlug,
      pipelineId,
      kind: 'webhook',
      url: 'http://localhost:1/hook',
    });
    expect(await admin().contract.alerts.test({ orgSlug, pipelineId, destinationId: id })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^refused: (127\.0\.0\.1|::1) is not a public address/),
    });
    expect(receiver.received('/hook')).toEqual([]);
  });

  it('removes a destination', async () => {
    const before = await admin().contract.alerts.list({ orgSlug, pipelineId });
    const [first] = before;
    await admin().contract.alerts.remove({ orgSlug, pipelineId, destinationId: first?.id ?? '' });
    expect((await admin().contract.alerts.list({ orgSlug, pipelineId })).map((d) => d.id)).toEqual(
      before.slice(1).map((d) => d.id),
    );
    await expect(
      admin().contract.alerts.remove({ orgSlug, pipelineId, destinationId: first?.id ?? '' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
