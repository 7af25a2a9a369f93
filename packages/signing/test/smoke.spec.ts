import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { sign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { github, signStandardWebhook, stripe, verifyStandardWebhook } from '../src/index.js';

describe('smoke', () => {
  it('standardwebhooks agrees', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const sig = signStandardWebhook({ id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}', secrets: [secret] });
    expect(sig).toBe(new Webhook(secret).sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330e3), '{"test": 2432232314}'));
    const r = verifyStandardWebhook({ body: Buffer.from('{"test": 2432232314}'), headers: { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': sig } }, { secret }, { now: 1614265330e3 });
    expect(r.ok).toBe(true);
  });
  it('octokit and stripe load', async () => {
    const s = await sign("It's a Secret to Everybody", 'Hello, World!');
    expect(github.verify({ body: Buffer.from('Hello, World!'), headers: { 'x-hub-signature-256': s } }, { secret: "It's a Secret to Everybody" }).ok).toBe(true);
    const header = Stripe.webhooks.generateTestHeaderString({ payload: '{}', secret: 'whsec_x', timestamp: 1700000000 });
    expect(stripe.verify({ body: Buffer.from('{}'), headers: { 'stripe-signature': header } }, { secret: 'whsec_x' }, { now: 1700000000e3 }).ok).toBe(true);
  });
});
