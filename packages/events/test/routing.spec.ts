import { describe, expect, it } from '@jest/globals';
import { JobName, QueueName, endpointReceives, appTurnJobId, appTurnJobOptions, matchesFilterTypes, sharesChannel, turnJobId, turnJobOptions, type RoutableEndpoint } from '../src/index.js';

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

describe('endpointReceives (docs/api.md §3)', () => {
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
    expect(QueueName).toEqual({ FanOut: 'fan-out', Turns: 'turns' });
    expect(JobName).toEqual({ AppTurn: 'app-turn', Turn: 'turn' });
  });

  it('job ids are deterministic per message and per turn (endpoint, epoch, generation)', () => {
    expect(appTurnJobId('app_1', 'ab12cd34', 2)).toBe('fo:app_1:ab12cd34:2');
    expect(appTurnJobId('app_1', 'ab12cd34', 2)).not.toBe(turnJobId('app_1', 'ab12cd34', 2));
    expect(turnJobId('ep_1', 'ab12cd34', 7)).toBe('t:ep_1:ab12cd34:7');
    expect(turnJobId('ep_1', 'ab12cd34', 7)).not.toBe(turnJobId('ep_1', 'ab12cd34', 8));
    expect(turnJobId('ep_1', 'ab12cd34', 1)).not.toBe(turnJobId('ep_1', 'ffffffff', 1));
  });

  it('job options: removed when finished; a turn is tried once (the scheduler brings it back), with a delay never negative', () => {
    expect(turnJobOptions({ endpointId: 'ep_1', epoch: 'e', gen: 3, delayMs: -5 })).toEqual({
      jobId: 't:ep_1:e:3',
      delay: 0,
      attempts: 1,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: true,
    });
    expect(turnJobOptions({ endpointId: 'ep_1', epoch: 'e', gen: 3, delayMs: 1234.6 }).delay).toBe(1235);
    expect(appTurnJobOptions({ endpointId: 'app_1', epoch: 'e', gen: 1, delayMs: 0 })).toMatchObject({ jobId: 'fo:app_1:e:1', attempts: 1, removeOnComplete: true, removeOnFail: true });
  });
});
