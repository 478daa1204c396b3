/**
 * Fernet conformance: the official spec vectors in ../shared/vectors/fernet
 * (generate, verify, invalid) and two-way interop with Python's
 * `cryptography` (python3 must have it; .ci/run installs it).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTenantGuardError, type ErrorCode } from '../../src/errors.js';
import { Fernet } from '../../src/crypto/fernet.js';
import { generateFernetKey } from '../../src/crypto/fernet-key.js';
import { FernetCore, encodeToken } from '../../src/crypto/fernet-token.js';
import { Keyring } from '../../src/crypto/keyring.js';

interface GenerateVector { token: string; now: string; iv: number[]; src: string; secret: string }
interface VerifyVector { token: string; now: string; ttl_sec: number; src: string; secret: string }
interface InvalidVector { desc: string; token: string; now: string; ttl_sec: number; secret: string }

/** The code each spec invalid case must produce (by its `desc`). */
const EXPECTED_CODES: Readonly<Record<string, ErrorCode>> = {
  'incorrect mac': 'FERNET_HMAC_INVALID',
  'too short': 'FERNET_TOKEN_TOO_SHORT',
  'invalid base64': 'FERNET_TOKEN_MALFORMED',
  'payload size not multiple of block size': 'FERNET_CIPHERTEXT_LENGTH_INVALID',
  'payload padding error': 'FERNET_PADDING_INVALID',
  'far-future TS (unacceptable clock skew)': 'FERNET_TOKEN_FROM_FUTURE',
  'expired TTL': 'FERNET_TOKEN_EXPIRED',
  'incorrect IV (causes padding error)': 'FERNET_PADDING_INVALID',
};

const PYTHON = String.raw`
import base64, json, sys
from cryptography.fernet import Fernet, MultiFernet
req = json.load(sys.stdin)
out = {}
f = Fernet(req["key"].encode())
# Tokens made by tenantguard: decrypt with and without TTL, read timestamps.
out["decrypted"] = [base64.b64encode(f.decrypt(t.encode())).decode() for t in req["ours"]]
out["decrypted_ttl"] = [base64.b64encode(f.decrypt(t.encode(), ttl=3600)).decode() for t in req["ours_fresh"]]
out["timestamps"] = [f.extract_timestamp(t.encode()) for t in req["ours"]]
# Tokens made by Python for tenantguard to decrypt.
out["theirs"] = [f.encrypt_at_time(base64.b64decode(p), ts).decode() for p, ts in req["plain"]]
# MultiFernet rotation from an old key, for tenantguard's Keyring.
old = Fernet(req["old_key"].encode())
mf = MultiFernet([f, old])
out["rotated"] = [mf.rotate(old.encrypt_at_time(base64.b64decode(p), ts)).decode() for p, ts in req["plain"]]
out["generated_key"] = Fernet.generate_key().decode()
print(json.dumps(out))
`;

interface PythonReply {
  decrypted: string[];
  decrypted_ttl: string[];
  timestamps: number[];
  theirs: string[];
  rotated: string[];
  generated_key: string;
}

export async function run(sharedDir: string): Promise<{ passed: number; failed: number }> {
  let passed = 0;
  let failed = 0;
  const check = (name: string, ok: boolean, detail = ''): void => {
    if (ok) passed += 1;
    else {
      failed += 1;
      console.error(`  FAIL fernet: ${name}${detail === '' ? '' : ` (${detail})`}`);
    }
  };
  const dir = join(sharedDir, 'vectors', 'fernet');
  const read = <T>(name: string): T[] => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T[];

  for (const v of read<GenerateVector>('generate.json')) {
    const token = encodeToken(
      new FernetCore(v.secret).seal(Buffer.from(v.src, 'utf8'), Math.floor(Date.parse(v.now) / 1000), Uint8Array.from(v.iv)),
    );
    check(`generate ${v.now}`, token === v.token);
  }
  for (const v of read<VerifyVector>('verify.json')) {
    let got: string | undefined;
    try {
      got = new Fernet(v.secret).decrypt(v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) }).toString('utf8');
    } catch (err) {
      got = `threw ${isTenantGuardError(err) ? err.code : String(err)}`;
    }
    check(`verify ${v.now}`, got === v.src, got);
  }
  for (const v of read<InvalidVector>('invalid.json')) {
    let code = 'accepted';
    try {
      new Fernet(v.secret).decrypt(v.token, { ttlSeconds: v.ttl_sec, now: new Date(v.now) });
    } catch (err) {
      code = isTenantGuardError(err) ? err.code : `foreign error ${String(err)}`;
    }
    const expected = EXPECTED_CODES[v.desc];
    check(`invalid "${v.desc}"`, expected === undefined ? code.startsWith('FERNET_') : code === expected, code);
  }

  // Interop with Python's cryptography, both directions.
  const key = generateFernetKey();
  const oldKey = generateFernetKey();
  const f = new Fernet(key);
  const now = Math.floor(Date.now() / 1000);
  const plains: Array<[Buffer, number]> = [
    [Buffer.alloc(0), now],
    [Buffer.from('hello'), now - 10],
    [Buffer.from('ya29.' + 'a0AfH6SMB'.repeat(22)), now - 3000],
    [randomBytes(1000), 1_234_567_890],
    [Buffer.from('héllo ✓'), 2 ** 33],
  ];
  const ours = plains.map(([p, ts]) => f.encrypt(p, { now: ts * 1000 }));
  const oursFresh = plains.map(([p]) => f.encrypt(p));
  const request = {
    key,
    old_key: oldKey,
    ours,
    ours_fresh: oursFresh,
    plain: plains.map(([p, ts]) => [p.toString('base64'), ts]),
  };
  const py = spawnSync('python3', ['-c', PYTHON], { input: JSON.stringify(request), encoding: 'utf8' });
  if (py.status !== 0) {
    check('python3 cryptography available', false, py.error?.message ?? py.stderr.trim().split('\n').pop() ?? '');
    return { passed, failed };
  }
  const reply = JSON.parse(py.stdout) as PythonReply;
  plains.forEach(([p, ts], i) => {
    check(`python decrypts ours #${i}`, reply.decrypted[i] === p.toString('base64'));
    check(`python decrypts ours with ttl #${i}`, reply.decrypted_ttl[i] === p.toString('base64'));
    check(`python reads our timestamp #${i}`, reply.timestamps[i] === ts);
    const theirs = reply.theirs[i] ?? '';
    let opened: Buffer | undefined;
    try {
      opened = f.decrypt(theirs, { now: ts * 1000 });
    } catch (err) {
      check(`we decrypt python's #${i}`, false, isTenantGuardError(err) ? err.code : String(err));
    }
    if (opened !== undefined) check(`we decrypt python's #${i}`, opened.equals(p));
    check(`python's timestamp reads here #${i}`, theirs !== '' && f.extractTimestamp(theirs).getTime() === ts * 1000);
    // Python's MultiFernet.rotate output decrypts here with the original timestamp.
    const rotated = reply.rotated[i] ?? '';
    check(
      `python MultiFernet.rotate -> ours #${i}`,
      f.decrypt(rotated, { now: ts * 1000 }).equals(p) && f.extractTimestamp(rotated).getTime() === ts * 1000,
    );
  });
  // Our Keyring.rotate output decrypts in Python (round trip through Python again).
  const ring = new Keyring([key, oldKey]);
  const rotatedHere = plains.map(([p, ts]) => ring.rotate(new Fernet(oldKey).encrypt(p, { now: ts * 1000 }), { now: ts * 1000 }));
  const py2 = spawnSync('python3', ['-c', PYTHON], {
    input: JSON.stringify({ ...request, ours: rotatedHere }),
    encoding: 'utf8',
  });
  const reply2 = py2.status === 0 ? (JSON.parse(py2.stdout) as PythonReply) : undefined;
  plains.forEach(([p, ts], i) => {
    check(`python decrypts our Keyring.rotate #${i}`, reply2?.decrypted[i] === p.toString('base64') && reply2.timestamps[i] === ts);
  });
  check('python-generated key works here', new Fernet(reply.generated_key).decrypt(new Fernet(reply.generated_key).encrypt('k')).toString() === 'k');
  return { passed, failed };
}
