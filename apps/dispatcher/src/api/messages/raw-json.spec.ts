import { describe, expect, it } from '@jest/globals';
import { minifyJson, rawJsonMember } from './raw-json.js';

describe('rawJsonMember', () => {
  it('returns the member as sent, minified, keeping big numbers, key order and escapes', () => {
    const body = '{ "eventType": "a.b",\n  "payload" : { "z": 1, "id": 12345678901234567890123, "s": "a b\\"} ]\\u00e9", "n": [ 1 , 2.50e3, true, null ] } }';
    expect(rawJsonMember(body, 'payload')).toBe('{"z":1,"id":12345678901234567890123,"s":"a b\\"} ]\\u00e9","n":[1,2.50e3,true,null]}');
    expect(JSON.parse(rawJsonMember(body, 'payload')!)).toEqual(JSON.parse(body).payload);
  });

  it('takes the last of repeated keys, as JSON.parse does', () => {
    expect(rawJsonMember('{"payload":{"a":1},"payload":{"b":2}}', 'payload')).toBe('{"b":2}');
  });

  it('finds members after strings holding braces, quotes and colons', () => {
    expect(rawJsonMember('{"x":"}{\\":,","y":{"payload":1},"payload":{}}', 'payload')).toBe('{}');
  });

  it('is undefined when the key is missing or the text is not an object', () => {
    expect(rawJsonMember('{"a":1}', 'payload')).toBeUndefined();
    expect(rawJsonMember('[{"payload":1}]', 'payload')).toBeUndefined();
    expect(rawJsonMember('{}', 'payload')).toBeUndefined();
  });

  it('matches JSON.parse on every member of generated objects', () => {
    const values = [0, -1.5e-7, 'tab\there', '', '"quoted"', [], {}, [1, [2, [3]]], { 'k e y': { '}': '{' } }, null, false, '\u2028', 'ünï'];
    for (let n = 0; n < 200; n++) {
      const obj: Record<string, unknown> = {};
      for (let k = 0; k < 5; k++) obj[`k${(n * 7 + k) % 11}`] = values[(n + k * 3) % values.length];
      obj.payload = { n, v: values[n % values.length], nested: [values[(n + 1) % values.length]] };
      const text = JSON.stringify(obj, null, n % 3);
      expect(JSON.parse(rawJsonMember(text, 'payload')!)).toEqual(obj.payload);
    }
  });
});

describe('minifyJson', () => {
  it('removes whitespace outside strings only', () => {
    expect(minifyJson(' { "a b" : [ 1 , " x " ] } ')).toBe('{"a b":[1," x "]}');
  });
});
