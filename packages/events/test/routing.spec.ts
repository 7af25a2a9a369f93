import { describe, expect, it } from '@jest/globals';
import {
  type DeliveryJobData,
  JobName,
  QueueName,
  deliveryJobId,
  deliveryJobKey,
  deliveryJobOptions,
  endpointReceives,
  fanOutJobOptions,
  fanOutJobId,
  matchesFilterTypes,
  sharesChannel,
  type RoutableEndpoint,
} from '../src/index.js';

describe('matchesFilterTypes', () => {
  it.each([
    [undefined, 'invoice.paid', true],
    [null, 'invoice.paid', true],
    [[], 'invoice.paid', true],
    [['invoice.paid'], 'invoice.paid', true],
    [['invoice.paid'], 'invoice.paid.late', false],
    [['invoice.paid'], 'invoice.pai', false],
    [['invoice.paid'], 'Invoice.paid', false],
    [['invoice.created', 'invoice.paid'], 'invoice.paid', true],
    [['invoice.*'], 'invoice.paid', true],
    [['invoice.*'], 'invoice.payment.failed', true],
    [['invoice.*'], 'invoice', false],
    [['invoice.*'], 'invoices.paid', false],
    [['invoice.*'], 'customer.invoice.paid', false],
    [['github.*'], 'github.pull_request.opened', true],
    [['github.pull_request.*'], 'github.pull_request.opened', true],
    [['github.pull_request.*'], 'github.push', false],
    [['*'], 'anything.at.all', true],
    [['invoice*'], 'invoice.paid', false],
    [['invoice.'], 'invoice.paid', false],
    [['.*'], 'invoice.paid', false],
    [['.*'], '.x', true],
    [['user.created'], '', false],
  ])('filter %j, type %j → %s', (filter, type, expected) => {
    expect(matchesFilterTypes(filter, type)).toBe(expected);
  });
});

describe('sharesChannel', () => {
  it.each([
    [undefined, undefined, true],
    [[], ['a'], true],
    [null, ['a'], true],
    [['a'], ['a'], true],
    [['a', 'b'], ['c', 'b'], true],
    [['a'], ['b'], false],
    [['a'], [], false],
    [['a'], undefined, false],
    [['a'], null, false],
    [['A'], ['a'], false],
    [[], [], true],
  ])('endpoint %j, message %j → %s', (endpoint, message, expected) => {
    expect(sharesChannel(endpoint, message)).toBe(expected);
  });
});

describe('endpointReceives (CONTRACT §3)', () => {
  const base: RoutableEndpoint = { disabled: false };
  it.each([
    ['an open endpoint', base, { eventType: 'user.created' }, true],
    ['a disabled endpoint', { disabled: true }, { eventType: 'user.created' }, false],
    ['a disabled endpoint even with matching filters', { disabled: true, filterTypes: ['user.created'], channels: ['x'] }, { eventType: 'user.created', channels: ['x'] }, false],
    ['an exact type filter', { ...base, filterTypes: ['user.created'] }, { eventType: 'user.created' }, true],
    ['a type filter that does not match', { ...base, filterTypes: ['user.deleted'] }, { eventType: 'user.created' }, false],
    ['a wildcard type filter', { ...base, filterTypes: ['user.*'] }, { eventType: 'user.created' }, true],
    ['channels overlap', { ...base, channels: ['eu', 'us'] }, { eventType: 'x', channels: ['us'] }, true],
    ['channels disjoint', { ...base, channels: ['eu'] }, { eventType: 'x', channels: ['us'] }, false],
    ['endpoint channels, message none', { ...base, channels: ['eu'] }, { eventType: 'x' }, false],
    ['message channels, endpoint none', base, { eventType: 'x', channels: ['us'] }, true],
    ['type ok but channels disjoint', { ...base, filterTypes: ['x'], channels: ['a'] }, { eventType: 'x', channels: ['b'] }, false],
    ['channels ok but type filtered', { ...base, filterTypes: ['y'], channels: ['a'] }, { eventType: 'x', channels: ['a'] }, false],
    ['both pass', { ...base, filterTypes: ['x.*'], channels: ['a'] }, { eventType: 'x.1', channels: ['a', 'b'] }, true],
  ] as [string, RoutableEndpoint, { eventType: string; channels?: string[] }, boolean][])('%s → %s', (_name, endpoint, message, expected) => {
    expect(endpointReceives(endpoint, message)).toBe(expected);
  });
});

describe('queues: persisted names and idempotent job ids', () => {
  it('queue and job names are the persisted values', () => {
    expect(QueueName).toEqual({ FanOut: 'fan-out', Delivery: 'delivery' });
    expect(JobName).toEqual({ FanOut: 'fan-out', Deliver: 'deliver' });
  });

  it('job ids are deterministic per message and per delivery attempt', () => {
    expect(fanOutJobId('msg_01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('fo:msg_01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(fanOutJobId('msg_a')).toBe(fanOutJobId('msg_a'));
    const data: DeliveryJobData = { deliveryId: 'mdst_1', attempt: 3, endpointId: 'ep_1' };
    expect(deliveryJobId(data.deliveryId, data.attempt)).toBe('dl:mdst_1:3');
    expect(deliveryJobId('mdst_1', 3)).not.toBe(deliveryJobId('mdst_1', 4));
    expect(deliveryJobId('mdst_1', 1)).not.toBe(deliveryJobId('mdst_2', 1));
  });

  it('a delivery job key adds the due time (a moved attempt is a new job) and the reconciler round', () => {
    const due = new Date('2026-11-28T12:00:00.123Z');
    expect(deliveryJobKey('mdst_1', 2, due)).toBe(`dl:mdst_1:2@${due.getTime()}`);
    expect(deliveryJobKey('mdst_1', 2, new Date(due.getTime() + 1))).not.toBe(deliveryJobKey('mdst_1', 2, due));
    expect(deliveryJobKey('mdst_1', 2, due, 3)).toBe(`dl:mdst_1:2@${due.getTime()}~3`);
    expect(deliveryJobKey('mdst_1', 2, due, 0)).toBe(deliveryJobKey('mdst_1', 2, due));
  });

  it('job options: removed when finished, three tries with exponential backoff, a delay never negative', () => {
    const due = new Date();
    expect(deliveryJobOptions({ deliveryId: 'mdst_1', attempt: 1, dueAt: due, delayMs: -5 })).toEqual({
      jobId: deliveryJobKey('mdst_1', 1, due),
      delay: 0,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: true,
    });
    expect(deliveryJobOptions({ deliveryId: 'mdst_1', attempt: 1, dueAt: due, delayMs: 1234.6 }).delay).toBe(1235);
    expect(fanOutJobOptions('msg_1')).toMatchObject({ jobId: 'fo:msg_1', attempts: 3, removeOnComplete: true, removeOnFail: true });
    expect(fanOutJobOptions('msg_1', 2).jobId).toBe('fo:msg_1~2');
  });
});
