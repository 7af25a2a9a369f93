import { describe, expect, it } from '@jest/globals';
import { addressRange, isPublicAddress } from '../../src/engine/delivery/egress-guard.js';
import { classifyTransportError } from '../../src/engine/delivery/webhook-http-client.js';

// Pure classification: no address here is ever connected to.
describe('address classification (docs/api.md §5)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['169.254.0.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456:789a::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['[::1]', 'loopback'],
  ])('refuses %s (%s)', (address, range) => {
    expect(addressRange(address)).toBe(range);
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    ['2130706433', 'decimal form of 127.0.0.1'],
    ['0177.0.0.1', 'octal form of 127.0.0.1'],
    ['0x7f.0.0.1', 'hex form of 127.0.0.1'],
    ['::ffff:7f00:1', 'IPv4-mapped 127.0.0.1 in hex'],
  ])('refuses %s (%s)', (address) => {
    expect(addressRange(address)).toBe('loopback');
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:a00:1::', '6to4'],
    ['2001:db8::1', 'reserved'],
  ])('refuses everything that is not plain unicast: %s (%s)', (address, range) => {
    expect(addressRange(address)).toBe(range);
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each(['localhost', 'example.com', '', '999.1.1.1', 'fe80::1%eth0', '127.0.0.1.evil.example'])('does not classify %p as an address (and refuses it)', (text) => {
    expect(isPublicAddress(text)).toBe(false);
  });
});

describe('transport error codes', () => {
  it.each([
    [{ code: 'ERR_EGRESS_BLOCKED' }, 'blocked_address'],
    [{ code: 'ECONNREFUSED' }, 'connection_refused'],
    [Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {}), 'connection_refused'],
    [{ code: 'ECONNRESET' }, 'connection_reset'],
    [{ code: 'UND_ERR_SOCKET' }, 'connection_reset'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 'timeout'],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'timeout'],
    [{ code: 'ENOTFOUND' }, 'dns_error'],
    [{ code: 'ERR_DNS_LOOKUP', reason: 'ESERVFAIL' }, 'dns_error'],
    [{ code: 'ERR_DNS_TIMEOUT' }, 'dns_timeout'],
    [{ code: 'ETIMEOUT' }, 'dns_timeout'],
    [{ code: 'EAI_AGAIN' }, 'dns_error'],
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'tls_error'],
    [{ code: 'HPE_INVALID_CONSTANT' }, 'invalid_response'],
    [new Error('???'), 'network_error'],
  ])('%p → %s', (error, code) => {
    expect(classifyTransportError(error)).toBe(code);
  });
});
