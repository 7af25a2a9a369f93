import { describe, expect, it } from '@jest/globals';
import { parseTraceParent, parseTraceState, traceContextOf, traceHeaders } from '../src/index.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

describe('parseTraceParent', () => {
  it.each([
    [`00-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}-01`],
    [`00-${TRACE}-${SPAN}-00`, `00-${TRACE}-${SPAN}-00`],
    [` 00-${TRACE}-${SPAN}-01 `, `00-${TRACE}-${SPAN}-01`],
    // a later version is read by its first four fields, and stored as version 00
    [`cc-${TRACE}-${SPAN}-01-what-the-future-holds`, `00-${TRACE}-${SPAN}-01`],
    [`01-${TRACE}-${SPAN}-09`, `00-${TRACE}-${SPAN}-09`],
  ])('accepts %s', (value, normalized) => expect(parseTraceParent(value)).toBe(normalized));

  it.each([
    ['', 'empty'],
    [`ff-${TRACE}-${SPAN}-01`, 'version ff'],
    [`00-${TRACE}-${SPAN}-01-extra`, 'version 00 with more fields'],
    [`00-${'0'.repeat(32)}-${SPAN}-01`, 'all-zero trace id'],
    [`00-${TRACE}-${'0'.repeat(16)}-01`, 'all-zero parent id'],
    [`00-${TRACE.toUpperCase()}-${SPAN}-01`, 'upper-case hex'],
    [`00-${TRACE.slice(1)}-${SPAN}-01`, 'short trace id'],
    [`00-${TRACE}-${SPAN}1-01`, 'long parent id'],
    [`00-${TRACE}-${SPAN}-1`, 'short flags'],
    [`00_${TRACE}_${SPAN}_01`, 'wrong separator'],
    [`0g-${TRACE}-${SPAN}-01`, 'non-hex version'],
    [`01-${TRACE}-${SPAN}-01${'x'.repeat(600)}`, 'too long'],
  ])('ignores %s (%s)', (value) => expect(parseTraceParent(value)).toBeNull());

  it('ignores what is not a string (a repeated header arrives as an array)', () => {
    expect(parseTraceParent([`00-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}-01`])).toBeNull();
    expect(parseTraceParent(undefined)).toBeNull();
  });
});

describe('parseTraceState', () => {
  it('keeps well-formed members, joined from repeated headers, without empty ones', () => {
    expect(parseTraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE')).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    expect(parseTraceState(['rojo=1', ' , congo=2'])).toBe('rojo=1,congo=2');
    expect(parseTraceState('tenant@vendor=x y')).toBe('tenant@vendor=x y');
  });

  it.each([
    ['', 'empty'],
    ['novalue', 'no ='],
    ['=v', 'no key'],
    ['Upper=1', 'upper-case key'],
    ['k=a,k=b', 'a repeated key'],
    ['k=a=b', '= in a value'],
    ['k=a\u0007b', 'a control character in a value'],
    [Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(','), 'more than 32 members'],
    [`k=${'v'.repeat(600)}`, 'longer than 512'],
  ])('drops %s (%s)', (value) => expect(parseTraceState(value)).toBeNull());
});

describe('traceContextOf', () => {
  it('reads traceparent and tracestate; a bad tracestate is dropped and the traceparent kept', () => {
    expect(traceContextOf({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'a=1' })).toEqual({ traceParent: `00-${TRACE}-${SPAN}-01`, traceState: 'a=1' });
    expect(traceContextOf({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'A=1' })).toEqual({ traceParent: `00-${TRACE}-${SPAN}-01`, traceState: null });
    expect(traceContextOf({ traceparent: `00-${TRACE}-${SPAN}-01` })).toEqual({ traceParent: `00-${TRACE}-${SPAN}-01`, traceState: null });
  });

  it('no valid traceparent: nothing, whatever the tracestate', () => {
    expect(traceContextOf({})).toBeNull();
    expect(traceContextOf({ traceparent: 'garbage', tracestate: 'a=1' })).toBeNull();
  });

  it('traceHeaders writes them back', () => {
    expect(traceHeaders(null)).toEqual({});
    expect(traceHeaders({ traceParent: `00-${TRACE}-${SPAN}-01`, traceState: null })).toEqual({ traceparent: `00-${TRACE}-${SPAN}-01` });
    expect(traceHeaders({ traceParent: `00-${TRACE}-${SPAN}-01`, traceState: 'a=1' })).toEqual({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'a=1' });
  });
});
