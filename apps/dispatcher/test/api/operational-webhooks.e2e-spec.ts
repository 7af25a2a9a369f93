import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApplicationKind } from '@switchyard/db';
import { OK, Receiver } from '../support/receiver.js';
import { eventually, startApiHarness, statusOf, verifyDelivery, SDKS, operationalEndpoints, typeFilter, type ApiHarness } from './harness.js';

describe.each(SDKS)('$name', (sdk) => {
  let h: ApiHarness;
  let receiver: Receiver;
  beforeAll(async () => {
    h = await startApiHarness('api-operational', {}, sdk);
    receiver = await Receiver.start({ script: (req) => (req.url === '/customer' ? { status: 500, body: 'down' } : OK) });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  describe('operationalWebhookEndpoint (SDK)', () => {
    it('creates, gets by id and uid, lists, updates and deletes endpoints of the internal application', async () => {
      const created = await operationalEndpoints(h).create({
        url: 'https://ops.example.com/hook',
        uid: 'ops',
        description: 'Ops',
        ...typeFilter(h, ['message.attempt.exhausted']),
        metadata: { team: 'sre' },
        throttleRate: 3,
      });
      expect(created.id).toMatch(/^ep_/);
      expect(created).toMatchObject({
        url: 'https://ops.example.com/hook',
        uid: 'ops',
        description: 'Ops',
        ...typeFilter(h, ['message.attempt.exhausted']),
        metadata: { team: 'sre' },
        throttleRate: 3,
        disabled: false,
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect((await operationalEndpoints(h).get('ops')).id).toBe(created.id);

      const listed = await operationalEndpoints(h).list({ limit: 10 });
      expect(listed.data.map((e) => e.id)).toEqual([created.id]);
      expect(JSON.stringify(listed)).not.toContain('whsec_');

      const updated = await operationalEndpoints(h).update('ops', { url: 'https://ops.example.com/v2', uid: 'ops', disabled: true });
      expect(updated).toMatchObject({ url: 'https://ops.example.com/v2', description: '', ...typeFilter(h, null), metadata: {}, disabled: true, throttleRate: null });

      // The endpoints live in an internal application that the application API never shows.
      const [{ app_id: opsAppId }] = await h.ds.query(`SELECT app_id FROM endpoints WHERE id = $1`, [created.id]);
      expect(await h.ds.query(`SELECT kind FROM applications WHERE id = $1`, [opsAppId])).toEqual([{ kind: ApplicationKind.Operational }]);
      expect(await statusOf(h.svix.application.get(opsAppId))).toBe(404);
      expect(await statusOf(h.svix.endpoint.list(opsAppId))).toBe(404);
      expect((await h.svix.application.list({ limit: 250 })).data.map((a) => a.id)).not.toContain(opsAppId);

      await operationalEndpoints(h).delete(created.id);
      expect(await statusOf(operationalEndpoints(h).get(created.id))).toBe(404);
      expect(await statusOf(operationalEndpoints(h).update('nope', { url: 'https://ops.example.com' }))).toBe(404);
    });

    it('gets and rotates the secret, and gets and replaces headers', async () => {
      const ep = await operationalEndpoints(h).create({ url: 'https://ops.example.com/s', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
      expect(await operationalEndpoints(h).getSecret(ep.id)).toEqual({ key: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
      await operationalEndpoints(h).rotateSecret(ep.id, {});
      const rotated = (await operationalEndpoints(h).getSecret(ep.id)).key;
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
      await operationalEndpoints(h).rotateSecret(ep.id, { key: 'C2FVsBQIhrscChlQIMV+b5sSYspob7oD' });
      expect((await operationalEndpoints(h).getSecret(ep.id)).key).toBe('whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD');

      await operationalEndpoints(h).updateHeaders(ep.id, { headers: { 'x-ops': '1', authorization: 'Bearer s' } });
      expect(await operationalEndpoints(h).getHeaders(ep.id)).toEqual({ headers: { 'x-ops': '1' }, sensitive: ['authorization'] });
      await operationalEndpoints(h).delete(ep.id);
    });

    it('an endpoint created here receives message.attempt.exhausted, signed with its secret', async () => {
      const ops = await operationalEndpoints(h).create({ url: receiver.url('/ops'), ...typeFilter(h, ['message.attempt.exhausted']) });
      const opsSecret = (await operationalEndpoints(h).getSecret(ops.id)).key;
      const app = await h.svix.application.create({ name: 'Customer' });
      const customerEp = await h.svix.endpoint.create(app.id, { url: receiver.url('/customer') });
      const msg = await h.svix.message.create(app.id, { eventType: 'order.paid', payload: { order: 7 } });
      const event = await eventually(
        () => {
          const got = receiver.requestsTo('/ops');
          expect(got).toHaveLength(1);
          return got[0]!;
        },
        { timeoutMs: 15_000 },
      );
      expect(verifyDelivery(opsSecret, event)).toMatchObject({ type: 'message.attempt.exhausted', data: { appId: app.id, endpointId: customerEp.id, msgId: msg.id } });
    });
  });
});
