import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { MAX_JSON_DEPTH, bodyDigestId, decodeUtf8, jsonDepth, numberField, parseBody, parseForm, parseJson, stringField } from '../src/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const INVALID_UTF8 = Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]); // {"a":"\xC3("}

describe('parseBody', () => {
  it.each([
    ['application/json', '{"a":1}', { kind: 'json', value: { a: 1 } }],
    ['application/json; charset=utf-8', '[1,2]', { kind: 'json', value: [1, 2] }],
    ['Application/JSON', '"s"', { kind: 'json', value: 's' }],
    ['application/cloudevents+json', '{"specversion":"1.0"}', { kind: 'json', value: { specversion: '1.0' } }],
    ['application/vnd.github+json', '{"zen":"x"}', { kind: 'json', value: { zen: 'x' } }],
    ['application/json', '  {"padded":true}\n', { kind: 'json', value: { padded: true } }],
    ['application/json', '\uFEFF{"bom":1}', { kind: 'json', value: { bom: 1 } }],
    ['text/plain', 'hello', { kind: 'text', value: 'hello' }],
    ['text/xml; charset=utf-8', '<a/>', { kind: 'text', value: '<a/>' }],
    ['application/xml', '<a/>', { kind: 'text', value: '<a/>' }],
    ['text/plain', '', { kind: 'text', value: '' }],
    [undefined, '{"sniffed":true}', { kind: 'json', value: { sniffed: true } }],
    [undefined, '[1]', { kind: 'json', value: [1] }],
    [undefined, 'plain words', { kind: 'binary' }],
    [undefined, '{broken', { kind: 'binary' }],
    ['application/octet-stream', '{"a":1}', { kind: 'json', value: { a: 1 } }],
    ['image/png', 'PNG', { kind: 'binary' }],
    ['', '', { kind: 'binary' }],
  ] as const)('%p %j', (contentType, body, expected) => {
    expect(parseBody(enc(body), contentType)).toEqual(expected);
  });

  it.each([
    ['', { kind: 'invalid', reason: 'body is not valid JSON' }],
    ['{"a":', { kind: 'invalid', reason: 'body is not valid JSON' }],
    ["{'a':1}", { kind: 'invalid', reason: 'body is not valid JSON' }],
    ['NaN', { kind: 'invalid', reason: 'body is not valid JSON' }],
  ])('invalid JSON %j with a JSON content type', (body, expected) => {
    expect(parseBody(enc(body), 'application/json')).toEqual(expected);
  });

  it('invalid UTF-8 with a JSON content type is invalid, not mangled into U+FFFD', () => {
    expect(parseBody(INVALID_UTF8, 'application/json')).toEqual({ kind: 'invalid', reason: 'body is not valid UTF-8' });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/problem+json'])('invalid UTF-8 with %s is invalid', (type) => {
    expect(parseBody(Uint8Array.from([0xff, 0xfe, 0xfd]), type)).toEqual({ kind: 'invalid', reason: 'body is not valid UTF-8' });
  });

  it('invalid UTF-8 without a content type is opaque binary', () => {
    expect(parseBody(INVALID_UTF8, undefined)).toEqual({ kind: 'binary' });
  });

  it('JSON nested 10 000 levels deep is invalid, without a stack overflow', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(parseBody(enc(deep), 'application/json')).toEqual({ kind: 'invalid', reason: `JSON is nested deeper than ${MAX_JSON_DEPTH}` });
    const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect(parseBody(enc(deepObject), 'application/json').kind).toBe('invalid');
  });

  it('deep JSON without a content type is not sniffed into an event', () => {
    expect(parseBody(enc('['.repeat(10_000) + ']'.repeat(10_000)), undefined)).toEqual({ kind: 'binary' });
  });

  it('JSON exactly at the depth limit is accepted; one more level is not', () => {
    const at = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    const over = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    expect(parseBody(enc(at), 'application/json').kind).toBe('json');
    expect(parseBody(enc(over), 'application/json').kind).toBe('invalid');
  });

  it('a wide JSON document (100 000 elements) is fine', () => {
    const wide = JSON.stringify(Array.from({ length: 100_000 }, (_, i) => ({ i })));
    const parsed = parseBody(enc(wide), 'application/json');
    expect(parsed.kind).toBe('json');
  });

  it('a JSON "__proto__" key stays data and pollutes nothing', () => {
    const parsed = parseBody(enc('{"__proto__":{"polluted":true},"a":1}'), 'application/json');
    expect(parsed.kind).toBe('json');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if (parsed.kind === 'json') expect(Object.hasOwn(parsed.value as object, '__proto__')).toBe(true);
  });
});

describe('forms', () => {
  it('repeated keys become lists, in order', () => {
    expect({ ...parseForm('a=1&b=2&a=3&a=4') }).toEqual({ a: ['1', '3', '4'], b: '2' });
  });

  it('decodes + and percent escapes', () => {
    expect({ ...parseForm('text=hello+world&path=%2Fcmd&emoji=%F0%9F%9A%80&empty=') }).toEqual({ text: 'hello world', path: '/cmd', emoji: '🚀', empty: '' });
  });

  it('a __proto__ key is an own property of a prototype-less object, not a prototype', () => {
    const form = parseForm('__proto__=polluted&constructor=x&toString=y&hasOwnProperty=z');
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(Object.hasOwn(form, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(form, '__proto__')?.value).toBe('polluted');
    expect(form.constructor).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(form))).toEqual({ ['__proto__']: 'polluted', constructor: 'x', toString: 'y', hasOwnProperty: 'z' });
  });

  it('repeated __proto__ keys become a list', () => {
    expect(Object.getOwnPropertyDescriptor(parseForm('__proto__=a&__proto__=b'), '__proto__')?.value).toEqual(['a', 'b']);
  });

  it('parseBody routes form content types', () => {
    const parsed = parseBody(enc('payload=%7B%22a%22%3A1%7D&x=1&x=2'), 'application/x-www-form-urlencoded; charset=utf-8');
    expect(parsed.kind).toBe('form');
    if (parsed.kind === 'form') expect({ ...parsed.value }).toEqual({ payload: '{"a":1}', x: ['1', '2'] });
  });

  it('malformed percent escapes do not throw', () => {
    expect(() => parseForm('a=%E0%A4%A&b=%%%')).not.toThrow();
  });

  it('an empty form is an empty object', () => {
    expect({ ...parseForm('') }).toEqual({});
  });
});

describe('JSON helpers', () => {
  it.each([
    [1, 0],
    [null, 0],
    ['s', 0],
    [{}, 1],
    [[], 1],
    [{ a: { b: [1] } }, 3],
    [[[[]], []], 3],
  ])('jsonDepth(%j) → %i', (value, depth) => {
    expect(jsonDepth(value)).toBe(depth);
  });

  it('jsonDepth stops early once past the limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect(jsonDepth(deep, 10)).toBe(11);
  });

  it('parseJson returns errors, never throws', () => {
    expect(parseJson('{')).toEqual({ ok: false, reason: 'body is not valid JSON' });
    expect(parseJson('{"a":[1]}')).toEqual({ ok: true, value: { a: [1] } });
  });

  it('stringField and numberField read own properties only', () => {
    const payload = JSON.parse('{"a":{"b":"x","n":5,"s":"7.5","bad":"x1","inf":1e999},"arr":["q"],"t":true}');
    expect(stringField(payload, 'a', 'b')).toBe('x');
    expect(stringField(payload, 'a', 'n')).toBe('5');
    expect(stringField(payload, 'a', 'missing')).toBeUndefined();
    expect(stringField(payload, 'arr', '0')).toBeUndefined();
    expect(stringField(payload, 't')).toBeUndefined();
    expect(stringField(payload, 'a', 'inf')).toBeUndefined();
    expect(stringField(payload, 'a', 'b', 'c')).toBeUndefined();
    expect(stringField(payload, 'toString')).toBeUndefined();
    expect(stringField(payload, 'a', 'constructor', 'name')).toBeUndefined();
    expect(stringField(null, 'a')).toBeUndefined();
    expect(numberField(payload, 'a', 'n')).toBe(5);
    expect(numberField(payload, 'a', 's')).toBe(7.5);
    expect(numberField(payload, 'a', 'bad')).toBeUndefined();
    expect(numberField(payload, 'a', 'b')).toBeUndefined();
  });

  it('decodeUtf8 is strict', () => {
    expect(decodeUtf8(enc('héllo'))).toBe('héllo');
    expect(decodeUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toBeUndefined();
    expect(decodeUtf8(Uint8Array.from([0xc0, 0xaf]))).toBeUndefined();
    expect(decodeUtf8(new Uint8Array())).toBe('');
  });

  it('bodyDigestId is sha256 of the exact bytes', () => {
    expect(bodyDigestId(enc('abc'))).toBe(`sha256:${createHash('sha256').update('abc').digest('hex')}`);
    expect(bodyDigestId(enc('abc'))).not.toBe(bodyDigestId(enc('abd')));
    expect(bodyDigestId(new Uint8Array())).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
