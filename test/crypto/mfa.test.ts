import { randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMfa, type Mfa, type MfaOptions } from '../../src/crypto/mfa.js';
import { base32Decode } from '../../src/crypto/totp-base32.js';
import { hotp, totpStep } from '../../src/crypto/totp.js';
import { parseOrgId, withTenant } from '../../src/tenancy/index.js';
import { useTestDatabase } from '../support/db.js';
import { ORG_A, ORG_B, expectCode } from './sessions-helpers.js';

const KEY = { id: 'm1', secret: randomBytes(32) };

describe('MFA: TOTP enrolment, replay refusal, DB rate limit, recovery codes (real PostgreSQL)', () => {
  const db = useTestDatabase();
  let clock = 1_900_000_000_000; // a fixed instant; tests move it explicitly
  const make = (extra: Partial<MfaOptions> = {}): Mfa =>
    createMfa({ pool: db.appPool, keys: [KEY], issuer: 'Acme', now: () => clock, ...extra });
  let mfa: Mfa;
  beforeAll(() => {
    mfa = make();
  });

  const codeAt = (secretB32: string, offsetSteps = 0, at = clock): string => hotp(base32Decode(secretB32), totpStep(at) + offsetSteps);

  async function enrolled(userId: string, orgId = ORG_A, service = mfa): Promise<{ secret: string; recoveryCodes: string[] }> {
    const e = await service.enroll({ orgId, userId, label: `${userId}@example.com` });
    const { recoveryCodes } = await service.confirmEnrollment({ orgId, userId, code: codeAt(e.secret) });
    clock += 30_000; // next step, so the confirmation code is not the one tests use
    return { secret: e.secret, recoveryCodes };
  }

  it('enrolment returns a base32 secret and an otpauth:// URI; the otpauth package reads it', async () => {
    const e = await mfa.enroll({ orgId: ORG_A, userId: 'u-enrol', label: 'ada@example.com' });
    expect(e.secret).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes for SHA1
    expect(e.uri).toBe(`otpauth://totp/Acme:ada%40example.com?secret=${e.secret}&issuer=Acme&algorithm=SHA1&digits=6&period=30`);
    const peer = OTPAuth.URI.parse(e.uri) as OTPAuth.TOTP;
    expect(peer.generate({ timestamp: clock })).toBe(codeAt(e.secret));
    expect(await mfa.status({ orgId: ORG_A, userId: 'u-enrol' })).toEqual({ enrolled: true, confirmed: false, recoveryCodesLeft: 0 });
    // Not confirmed yet: verify refuses.
    await expectCode(mfa.verify({ orgId: ORG_A, userId: 'u-enrol', code: codeAt(e.secret) }), 'MFA_NOT_ENROLLED');
    await expectCode(mfa.confirmEnrollment({ orgId: ORG_A, userId: 'u-enrol', code: '000000' === codeAt(e.secret) ? '111111' : '000000' }), 'MFA_CODE_INVALID');
    const { recoveryCodes, proof } = await mfa.confirmEnrollment({ orgId: ORG_A, userId: 'u-enrol', code: codeAt(e.secret) });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(proof).toMatchObject({ orgId: ORG_A, userId: 'u-enrol', method: 'totp' });
    expect(await mfa.status({ orgId: ORG_A, userId: 'u-enrol' })).toEqual({ enrolled: true, confirmed: true, recoveryCodesLeft: 10 });
    await expectCode(mfa.enroll({ orgId: ORG_A, userId: 'u-enrol', label: 'x' }), 'MFA_ALREADY_ENROLLED');
    const again = await mfa.enroll({ orgId: ORG_A, userId: 'u-enrol', label: 'x', replace: true });
    expect(again.secret).not.toBe(e.secret);
    expect(await mfa.status({ orgId: ORG_A, userId: 'u-enrol' })).toEqual({ enrolled: true, confirmed: false, recoveryCodesLeft: 0 });
  });

  it('accepts one step either side, not two', async () => {
    const { secret } = await enrolled('u-window');
    clock += 30_000; // the confirmation code's step is now two behind
    await expectCode(mfa.verify({ orgId: ORG_A, userId: 'u-window', code: codeAt(secret, -2) }), 'MFA_CODE_INVALID');
    await expectCode(mfa.verify({ orgId: ORG_A, userId: 'u-window', code: codeAt(secret, 2) }), 'MFA_CODE_INVALID');
    await expect(mfa.verify({ orgId: ORG_A, userId: 'u-window', code: codeAt(secret, -1) })).resolves.toMatchObject({ method: 'totp' });
    await expect(mfa.verify({ orgId: ORG_A, userId: 'u-window', code: codeAt(secret, 1) })).resolves.toMatchObject({ method: 'totp' });
  });

  it('refuses a replayed code, where the otpauth package accepts it twice', async () => {
    const { secret } = await enrolled('u-replay');
    const code = codeAt(secret);
    const peer = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    expect(peer.validate({ token: code, timestamp: clock, window: 1 })).toBe(0);
    expect(peer.validate({ token: code, timestamp: clock, window: 1 })).toBe(0); // the same code, accepted again
    await expect(mfa.verify({ orgId: ORG_A, userId: 'u-replay', code })).resolves.toBeDefined();
    await expectCode(mfa.verify({ orgId: ORG_A, userId: 'u-replay', code }), 'MFA_CODE_REPLAYED');
    // An earlier step's code after a later one was used: also refused (RFC 6238 §5.2).
    clock += 30_000;
    await expect(mfa.verify({ orgId: ORG_A, userId: 'u-replay', code: codeAt(secret) })).resolves.toBeDefined();
    await expectCode(mfa.verify({ orgId: ORG_A, userId: 'u-replay', code: codeAt(secret, -1) }), 'MFA_CODE_REPLAYED');
  });

  it('refuses the same code presented concurrently: exactly one of 20 succeeds', async () => {
    const { secret } = await enrolled('u-race');
    const pool = db.createPool({ as: 'app', max: 10 });
    const svc = make({ pool, maxFailedAttempts: 50 });
    const code = codeAt(secret);
    const r = await Promise.allSettled(Array.from({ length: 20 }, () => svc.verify({ orgId: ORG_A, userId: 'u-race', code })));
    expect(r.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect(r.flatMap((x) => (x.status === 'rejected' ? [(x.reason as { code: string }).code] : []))).toEqual(Array(19).fill('MFA_CODE_REPLAYED'));
  });

  it('rate limits per user in the database: shared by separate service instances and pools, reset after the window', async () => {
    const { secret } = await enrolled('u-rate');
    const other = make({ pool: db.createPool({ as: 'app', max: 2 }) }); // "another process"
    const wrong = (offset: number): string => String((Number(codeAt(secret)) + offset) % 1_000_000).padStart(6, '0');
    for (let i = 1; i <= 5; i += 1) {
      await expectCode((i % 2 === 0 ? other : mfa).verify({ orgId: ORG_A, userId: 'u-rate', code: wrong(i * 7919) }), 'MFA_CODE_INVALID');
    }
    // Now even the right code is refused, without revealing whether it was right.
    await expectCode(mfa.verify({ orgId: ORG_A, userId: 'u-rate', code: codeAt(secret) }), 'MFA_RATE_LIMITED');
    await expectCode(other.verify({ orgId: ORG_A, userId: 'u-rate', code: codeAt(secret) }), 'MFA_RATE_LIMITED');
    // Recovery codes share the limit.
    await expectCode(mfa.verifyRecoveryCode({ orgId: ORG_A, userId: 'u-rate', code: 'aaaaa-aaaaa' }), 'MFA_RATE_LIMITED');
    // Another user is not affected.
    const { secret: s2 } = await enrolled('u-rate-2');
    await expect(mfa.verify({ orgId: ORG_A, userId: 'u-rate-2', code: codeAt(s2) })).resolves.toBeDefined();
    clock += 301_000;
    await expect(mfa.verify({ orgId: ORG_A, userId: 'u-rate', code: codeAt(secret) })).resolves.toBeDefined();
    const row = await db.pool.query('SELECT failed_attempts FROM tenantguard.mfa_totp WHERE org_id = $1 AND user_id = $2', [ORG_A, 'u-rate']);
    expect(row.rows[0].failed_attempts).toBe(0);
  });

  it('parallel guessing is capped at the limit (row lock)', async () => {
    const { secret } = await enrolled('u-guess');
    const svc = make({ pool: db.createPool({ as: 'app', max: 10 }) });
    const wrong = String((Number(codeAt(secret)) + 500_000) % 1_000_000).padStart(6, '0');
    const r = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => svc.verify({ orgId: ORG_A, userId: 'u-guess', code: i % 2 === 0 ? wrong : '00000a' })));
    const codes = r.map((x) => (x.status === 'rejected' ? (x.reason as { code: string }).code : 'ok'));
    expect(codes.filter((c) => c === 'MFA_CODE_INVALID')).toHaveLength(5);
    expect(codes.filter((c) => c === 'MFA_RATE_LIMITED')).toHaveLength(25);
  });

  it('recovery codes: stored hashed, each works once, typing-tolerant, wrong ones refused', async () => {
    const lenient = make({ maxFailedAttempts: 50 }); // this test makes many wrong attempts on purpose
    const { recoveryCodes } = await enrolled('u-rec');
    const stored = await db.pool.query<{ code_hash: Buffer }>(
      'SELECT code_hash FROM tenantguard.mfa_recovery_codes WHERE org_id = $1 AND user_id = $2',
      [ORG_A, 'u-rec'],
    );
    expect(stored.rows).toHaveLength(10);
    const plainBytes = recoveryCodes.flatMap((c) => [c, c.replace('-', '')]);
    for (const r of stored.rows) {
      expect(r.code_hash).toHaveLength(32);
      for (const p of plainBytes) expect(r.code_hash.includes(Buffer.from(p))).toBe(false);
    }
    const first = recoveryCodes[0]!;
    await expect(lenient.verifyRecoveryCode({ orgId: ORG_A, userId: 'u-rec', code: ` ${first.toUpperCase().replace('-', ' ')} ` })).resolves.toMatchObject({
      method: 'recovery_code',
    });
    await expectCode(lenient.verifyRecoveryCode({ orgId: ORG_A, userId: 'u-rec', code: first }), 'MFA_RECOVERY_CODE_INVALID');
    await expectCode(lenient.verifyRecoveryCode({ orgId: ORG_A, userId: 'u-rec', code: 'zzzzz-zzzzz' }), 'MFA_RECOVERY_CODE_INVALID');
    await expectCode(lenient.verifyRecoveryCode({ orgId: ORG_A, userId: 'u-rec', code: 'nonsense' }), 'MFA_RECOVERY_CODE_INVALID');
    // Another user's code does not work for this one (hash bound to org and user).
    const { recoveryCodes: theirs } = await enrolled('u-rec-other');
    await expectCode(lenient.verifyRecoveryCode({ orgId: ORG_A, userId: 'u-rec', code: theirs[0]! }), 'MFA_RECOVERY_CODE_INVALID');
    expect((await mfa.status({ orgId: ORG_A, userId: 'u-rec' })).recoveryCodesLeft).toBe(9);
    const fresh = await mfa.regenerateRecoveryCodes({ orgId: ORG_A, userId: 'u-rec' });
    await expectCode(lenient.verifyRecoveryCode({ orgId: ORG_A, userId: 'u-rec', code: recoveryCodes[1]! }), 'MFA_RECOVERY_CODE_INVALID');
    await expect(lenient.verifyRecoveryCode({ orgId: ORG_A, userId: 'u-rec', code: fresh[1]! })).resolves.toBeDefined();
    // Concurrent use of one code: exactly one wins.
    const svc = make({ pool: db.createPool({ as: 'app', max: 10 }), maxFailedAttempts: 50 });
    const r = await Promise.allSettled(Array.from({ length: 10 }, () => svc.verifyRecoveryCode({ orgId: ORG_A, userId: 'u-rec', code: fresh[2]! })));
    expect(r.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
  });

  it('stores the TOTP secret encrypted, bound to org and user; keys rotate', async () => {
    const { secret } = await enrolled('u-box');
    const raw = base32Decode(secret);
    const row = await db.pool.query<{ secret_box: Buffer; key_id: string }>(
      'SELECT secret_box, key_id FROM tenantguard.mfa_totp WHERE org_id = $1 AND user_id = $2',
      [ORG_A, 'u-box'],
    );
    expect(row.rows[0]!.key_id).toBe('m1');
    expect(row.rows[0]!.secret_box.includes(raw)).toBe(false);
    // A new primary key: the old enrolment still verifies (the old key reads).
    const rotated = make({ keys: [{ id: 'm2', secret: randomBytes(32) }, KEY] });
    await expect(rotated.verify({ orgId: ORG_A, userId: 'u-box', code: codeAt(secret) })).resolves.toBeDefined();
    // Without the old key it cannot be read.
    clock += 30_000;
    const lost = make({ keys: [{ id: 'm2', secret: randomBytes(32) }] });
    await expectCode(lost.verify({ orgId: ORG_A, userId: 'u-box', code: codeAt(secret) }), 'MFA_SECRET_UNREADABLE');
    // A row copied onto another user (or org) does not decrypt.
    await enrolled('u-box-victim');
    await db.pool.query(
      `UPDATE tenantguard.mfa_totp SET secret_box = s.secret_box, last_used_step = NULL
       FROM (SELECT secret_box FROM tenantguard.mfa_totp WHERE org_id = $1 AND user_id = 'u-box') s
       WHERE org_id = $1 AND user_id = 'u-box-victim'`,
      [ORG_A],
    );
    await expectCode(mfa.verify({ orgId: ORG_A, userId: 'u-box-victim', code: codeAt(secret) }), 'MFA_SECRET_UNREADABLE');
  });

  it('is tenant-scoped: no rows without a tenant, only the own org with one; org B cannot use org A factors', async () => {
    const { secret } = await enrolled('u-tenant', ORG_A);
    await enrolled('u-tenant-b', ORG_B);
    for (const table of ['mfa_totp', 'mfa_recovery_codes']) {
      const none = await db.appPool.query(`SELECT count(*)::int AS n FROM tenantguard.${table}`);
      expect(none.rows[0].n).toBe(0);
      const inB = await withTenant(db.appPool, parseOrgId(ORG_B), async (tx) =>
        (await tx.query<{ org_id: string }>(`SELECT DISTINCT org_id FROM tenantguard.${table}`)).rows.map((r) => r.org_id),
      );
      expect(inB).toEqual([ORG_B]);
    }
    await expectCode(mfa.verify({ orgId: ORG_B, userId: 'u-tenant', code: codeAt(secret) }), 'MFA_NOT_ENROLLED');
  });

  it('validates input and configuration', async () => {
    await expectCode(mfa.verify({ orgId: 'nope', userId: 'x', code: '123456' }), 'ORG_ID_INVALID');
    await expectCode(mfa.verify({ orgId: ORG_A, userId: '', code: '123456' }), 'INPUT_INVALID');
    await expectCode(mfa.verify({ orgId: ORG_A, userId: 'never-enrolled', code: '123456' }), 'MFA_NOT_ENROLLED');
    await expectCode(mfa.enroll({ orgId: ORG_A, userId: 'x', label: 'a:b' }), 'INPUT_INVALID');
    expect(() => make({ keys: [{ id: 'k', secret: randomBytes(16) }] })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => make({ issuer: 'a:b' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => make({ window: 5 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(await mfa.disable({ orgId: ORG_A, userId: 'u-enrol' })).toBe(true);
    expect(await mfa.disable({ orgId: ORG_A, userId: 'u-enrol' })).toBe(false);
  });

  it('supports SHA256 and 8-digit enrolments', async () => {
    const svc = make({ algorithm: 'SHA256', digits: 8 });
    const e = await svc.enroll({ orgId: ORG_A, userId: 'u-256', label: 'x' });
    expect(base32Decode(e.secret)).toHaveLength(32);
    const peer = OTPAuth.URI.parse(e.uri) as OTPAuth.TOTP;
    expect(peer.algorithm).toBe('SHA256');
    await expect(svc.confirmEnrollment({ orgId: ORG_A, userId: 'u-256', code: peer.generate({ timestamp: clock }) })).resolves.toBeDefined();
  });
});
