/**
 * The kit's pure parts: templates fill and encode, responses are compared
 * with ids and request ids neutralised, and any trace of org A's marker or
 * of an id B did not send counts as a leak.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultIdFrom, listItems, nonexistentIdLike, normalizedBody, revealsOtherOrg } from '../../src/testing/compare.js';
import { endpointName, fillBody, fillPath, placeholders } from '../../src/testing/template.js';

const res = (status: number, body: unknown) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, text, json: typeof body === 'string' ? undefined : body };
};

describe('templates', () => {
  it('fills paths (URL-encoded) and bodies (whole placeholders keep the id as the value)', () => {
    const b = { brands: 'b/1?x', id: 'i1', marker: 'M' };
    expect(fillPath('/brands/{brands}/c/{id}', b)).toBe('/brands/b%2F1%3Fx/c/i1');
    expect(fillBody({ a: '{id}', n: 'x {marker} y', l: ['{brands}', 3, null, true] }, b)).toEqual({ a: 'i1', n: 'x M y', l: ['b/1?x', 3, null, true] });
    expect(() => fillPath('/x/{nope}', b)).toThrow(/nope/);
    expect([...placeholders({ a: ['{x}', { b: 'p{y}q{x}' }] })].sort()).toEqual(['x', 'y']);
    expect(endpointName('get', '/brands/{brands}/c/{id}')).toBe('GET /brands/:brands/c/:id');
  });

  it('round-trips any id through a path segment', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (id) => {
        const path = fillPath('/r/{id}', { id });
        expect(decodeURIComponent(path.slice(3))).toBe(id);
        expect(path.slice(3)).not.toMatch(/[/?#]/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('comparison', () => {
  it('treats two refusals as equal when only ids and request ids differ', () => {
    const ignore = new Set(['instance']);
    const a = res(404, { code: 'RESOURCE_NOT_FOUND', detail: 'No such brand aaa.', instance: 'r1' });
    const c = res(404, { code: 'RESOURCE_NOT_FOUND', detail: 'No such brand zzz.', instance: 'r2' });
    expect(normalizedBody(a, ['aaa', 'zzz'], ignore)).toBe(normalizedBody(c, ['aaa', 'zzz'], ignore));
    const d = res(404, { code: 'RESOURCE_NOT_FOUND', detail: 'Brand aaa belongs to another organisation.', instance: 'r3' });
    expect(normalizedBody(d, ['aaa', 'zzz'], ignore)).not.toBe(normalizedBody(c, ['aaa', 'zzz'], ignore));
  });

  it("flags A's marker anywhere and A's ids the request did not carry", () => {
    expect(revealsOtherOrg(res(404, { detail: 'No such id-a1' }), 'MARK', ['id-a1'], '/x/id-a1')).toBeUndefined();
    expect(revealsOtherOrg(res(200, [{ id: 'id-a2' }]), 'MARK', ['id-a1', 'id-a2'], '/x/id-a1')).toMatch(/id-a2/);
    expect(revealsOtherOrg(res(404, { hint: 'did you mean MARK?' }), 'MARK', [], '/x')).toMatch(/marker/);
  });

  it('makes nonexistent ids of the same shape', () => {
    expect(nonexistentIdLike('0b9a1c2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(nonexistentIdLike('42')).toMatch(/^[0-9]+$/);
    expect(nonexistentIdLike('abc')).not.toBe('abc');
  });

  it('reads ids and list items from common shapes', () => {
    expect(defaultIdFrom({ id: 'x' })).toBe('x');
    expect(defaultIdFrom({ id: 7 })).toBe('7');
    expect(defaultIdFrom({ data: { id: 'y' } })).toBe('y');
    expect(defaultIdFrom({ id: '' })).toBeUndefined();
    expect(listItems([1])).toEqual([1]);
    expect(listItems({ items: [2] })).toEqual([2]);
    expect(listItems({ rows: [] })).toEqual([]);
    expect(listItems({ count: 1 })).toBeUndefined();
  });
});
