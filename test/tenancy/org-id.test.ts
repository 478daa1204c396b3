import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTenantGuardError } from '../../src/errors.js';
import { isOrgId, parseOrgId } from '../../src/tenancy/index.js';

const valid = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';

describe('parseOrgId', () => {
  it('accepts a canonical uuid and normalises it to lowercase', () => {
    expect(parseOrgId(valid)).toBe(valid);
    expect(parseOrgId(valid.toUpperCase())).toBe(valid);
    expect(isOrgId(parseOrgId(valid.toUpperCase()))).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['braces', `{${valid}}`],
    ['urn', `urn:uuid:${valid}`],
    ['no hyphens', valid.replace(/-/g, '')],
    ['whitespace', ` ${valid}`],
    ['trailing newline', `${valid}\n`],
    ['sql', `${valid.slice(0, 30)}'; --`],
    ['non-hex', valid.replace('3', 'g')],
    ['number', 42],
    ['null', null],
    ['undefined', undefined],
    ['object', { toString: () => valid }],
  ])('rejects %s with ORG_ID_INVALID', (_name, value) => {
    let caught: unknown;
    try {
      parseOrgId(value);
    } catch (err) {
      caught = err;
    }
    expect(isTenantGuardError(caught, 'ORG_ID_INVALID')).toBe(true);
    expect(isOrgId(value)).toBe(false);
  });

  it('never echoes the rejected value', () => {
    try {
      parseOrgId('secret-looking-value');
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('secret');
    }
  });

  it('property: any string it accepts is 36 chars of [0-9a-f-] and idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), fc.string(), fc.uuid().map((u) => u.toUpperCase())), (s) => {
        let out: string | undefined;
        try {
          out = parseOrgId(s);
        } catch (err) {
          expect(isTenantGuardError(err, 'ORG_ID_INVALID')).toBe(true);
          return;
        }
        expect(out).toMatch(/^[0-9a-f-]{36}$/);
        expect(parseOrgId(out)).toBe(out);
        expect(isOrgId(out)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
