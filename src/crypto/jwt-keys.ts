/**
 * JWT signing and verification keys: checked when the configuration is
 * loaded, imported to a WebCrypto `CryptoKey` once per `kid`, then looked up
 * by `kid` (a plain map key: never a path, a URL or a query).
 *
 * @module crypto
 */
import { createPrivateKey, createPublicKey, createSecretKey, webcrypto, type JsonWebKey, type KeyObject } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import { TenantGuardError } from '../errors.js';

/** The signature algorithms sessions support. RSA is deliberately absent. */
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'ES256';

/** A shared-secret (HS256) key. The secret must be at least 32 bytes. */
export interface HmacKeyInput {
  /** Key id put in the token header; only ever a lookup key. */
  kid: string;
  /** Defaults to `HS256`. */
  alg?: 'HS256';
  /** At least 32 bytes (a string is taken as UTF-8). Generate with `randomBytes(32)`. */
  secret: string | Uint8Array;
}

/**
 * An asymmetric key (EdDSA with Ed25519, or ES256 with P-256). Give a private
 * key to sign with it; a public key alone verifies only.
 */
export interface AsymmetricKeyInput {
  /** Key id put in the token header; only ever a lookup key. */
  kid: string;
  /** `EdDSA` (Ed25519) or `ES256` (P-256). */
  alg: 'EdDSA' | 'ES256';
  /** Private key as a JWK, a PKCS#8 PEM string or a node `KeyObject`. */
  privateKey?: JsonWebKey | string | KeyObject;
  /** Public key (JWK, SPKI PEM or `KeyObject`); derived from the private key when omitted. */
  publicKey?: JsonWebKey | string | KeyObject;
}

/** One configured key. */
export type JwtKeyInput = HmacKeyInput | AsymmetricKeyInput;

/** A JSON Web Key Set (RFC 7517 §5) of verification keys. */
export interface JsonWebKeySet {
  /** The keys; each needs a `kid`. */
  keys: JWK[];
}

/** A loaded key: what verification needs, imported once. */
export interface LoadedJwtKey {
  /** The key id (a validated lookup key). */
  readonly kid: string;
  /** The one algorithm this key may be used with. */
  readonly alg: JwtAlgorithm;
  /** Resolved once the one-time import finished; used on the hot path. */
  verifyKey: CryptoKey | undefined;
  /** The pending (or settled) one-time import of the verification key. */
  readonly verifyKeyPromise: Promise<CryptoKey>;
  /** Present when this key can sign. */
  readonly signKeyPromise: Promise<CryptoKey> | undefined;
  /** Public JWK for publishing (asymmetric keys only). */
  readonly publicJwk: JWK | undefined;
}

/** All keys of one session configuration. */
export interface JwtKeySet {
  /** The key that signs new tokens (the first configured key that can sign). */
  readonly signer: LoadedJwtKey;
  /** Every verification key by kid. */
  readonly byKid: ReadonlyMap<string, LoadedJwtKey>;
  /** The algorithms in use: the verification allow-list. */
  readonly algorithms: readonly JwtAlgorithm[];
}

/** A WebCrypto key (node's, so no DOM lib is needed). */
export type CryptoKey = webcrypto.CryptoKey;

const MIN_HMAC_BYTES = 32;
const KID = /^[A-Za-z0-9._~-]{1,128}$/;

function keyError(kid: string | undefined, reason: string, cause?: unknown): TenantGuardError {
  return new TenantGuardError('JWT_KEY_INVALID', `JWT key${kid === undefined ? '' : ` "${kid}"`}: ${reason}`, {
    cause,
    details: { kid, reason },
  });
}

function checkKid(kid: unknown): string {
  if (typeof kid !== 'string' || !KID.test(kid)) {
    throw keyError(undefined, 'kid must be 1-128 characters of A-Z a-z 0-9 . _ ~ -');
  }
  return kid;
}

function toKeyObject(input: JsonWebKey | string | KeyObject, kind: 'private' | 'public', kid: string): KeyObject {
  try {
    if (typeof input === 'string') return kind === 'private' ? createPrivateKey(input) : createPublicKey(input);
    if ('type' in input && typeof (input as KeyObject).export === 'function') {
      const ko = input as KeyObject;
      if (kind === 'public') return ko.type === 'private' ? createPublicKey(ko) : ko;
      return ko;
    }
    return kind === 'private'
      ? createPrivateKey({ key: input as JsonWebKey, format: 'jwk' })
      : createPublicKey({ key: input as JsonWebKey, format: 'jwk' });
  } catch (err) {
    throw keyError(kid, `${kind} key cannot be parsed`, err);
  }
}

function checkCurve(ko: KeyObject, alg: 'EdDSA' | 'ES256', kid: string): void {
  const ok =
    alg === 'EdDSA'
      ? ko.asymmetricKeyType === 'ed25519'
      : ko.asymmetricKeyType === 'ec' && ko.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (!ok) throw keyError(kid, `${alg} needs ${alg === 'EdDSA' ? 'an Ed25519' : 'a P-256'} key`);
}

// One import per kid; the promise is created at load time so the first
// verification rarely waits. A rejection here is not expected (the key was
// parsed synchronously above) but is kept observable by the awaiting caller.
function settle(p: Promise<CryptoKey>): Promise<CryptoKey> {
  p.catch(() => undefined);
  return p;
}

function loadHmac(input: HmacKeyInput): LoadedJwtKey {
  const kid = checkKid(input.kid);
  if (input.alg !== undefined && input.alg !== 'HS256') throw keyError(kid, 'a secret key supports HS256 only');
  const bytes =
    typeof input.secret === 'string'
      ? Buffer.from(input.secret, 'utf8')
      : input.secret instanceof Uint8Array
        ? Buffer.from(input.secret)
        : undefined;
  if (bytes === undefined) throw keyError(kid, 'secret must be a string or a Uint8Array');
  // jose accepts a 1-byte HMAC secret; RFC 7518 §3.2 requires at least the hash size.
  if (bytes.length < MIN_HMAC_BYTES) throw keyError(kid, `HS256 secret must be at least ${MIN_HMAC_BYTES} bytes`);
  const secretKey = createSecretKey(bytes);
  bytes.fill(0);
  const imported = settle(
    webcrypto.subtle.importKey('raw', secretKey.export(), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
  );
  const loaded: LoadedJwtKey = {
    kid,
    alg: 'HS256',
    verifyKey: undefined,
    verifyKeyPromise: imported,
    signKeyPromise: imported,
    publicJwk: undefined,
  };
  void imported.then((k) => (loaded.verifyKey = k), () => undefined);
  return loaded;
}

function loadAsymmetric(input: AsymmetricKeyInput): LoadedJwtKey {
  const kid = checkKid(input.kid);
  if (input.alg !== 'EdDSA' && input.alg !== 'ES256') throw keyError(kid, 'alg must be HS256, EdDSA or ES256');
  const priv = input.privateKey === undefined ? undefined : toKeyObject(input.privateKey, 'private', kid);
  if (priv !== undefined && priv.type !== 'private') throw keyError(kid, 'privateKey is not a private key');
  const pub =
    input.publicKey !== undefined
      ? toKeyObject(input.publicKey, 'public', kid)
      : priv !== undefined
        ? createPublicKey(priv)
        : undefined;
  if (pub === undefined) throw keyError(kid, 'needs a publicKey or a privateKey');
  if (pub.type !== 'public') throw keyError(kid, 'publicKey is not a public key');
  checkCurve(pub, input.alg, kid);
  if (priv !== undefined) {
    checkCurve(priv, input.alg, kid);
    const derived = createPublicKey(priv).export({ format: 'jwk' });
    const given = pub.export({ format: 'jwk' });
    if (derived.x !== given.x || derived.y !== given.y) throw keyError(kid, 'publicKey does not match privateKey');
  }
  const publicJwk = { ...(pub.export({ format: 'jwk' }) as JWK), kid, alg: input.alg, use: 'sig' };
  const verifyKeyPromise = settle(importJWK(publicJwk, input.alg) as Promise<CryptoKey>);
  const signKeyPromise =
    priv === undefined ? undefined : settle(importJWK(priv.export({ format: 'jwk' }) as JWK, input.alg) as Promise<CryptoKey>);
  const loaded: LoadedJwtKey = { kid, alg: input.alg, verifyKey: undefined, verifyKeyPromise, signKeyPromise, publicJwk };
  void verifyKeyPromise.then((k) => (loaded.verifyKey = k), () => undefined);
  return loaded;
}

function fromJwk(jwk: JWK): AsymmetricKeyInput {
  if (typeof jwk !== 'object' || jwk === null) throw keyError(undefined, 'a JWKS entry is not an object');
  const kid = checkKid(jwk.kid);
  if ('d' in jwk || 'k' in jwk) throw keyError(kid, 'a JWKS must hold public keys only');
  let alg: 'EdDSA' | 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && (jwk.alg === undefined || jwk.alg === 'EdDSA' || jwk.alg === 'Ed25519')) alg = 'EdDSA';
  else if (jwk.kty === 'EC' && jwk.crv === 'P-256' && (jwk.alg === undefined || jwk.alg === 'ES256')) alg = 'ES256';
  else throw keyError(kid, 'JWKS keys must be Ed25519 (EdDSA) or P-256 (ES256)');
  if (jwk.use !== undefined && jwk.use !== 'sig') throw keyError(kid, 'JWKS key is not a signature key');
  return { kid, alg, publicKey: jwk as JsonWebKey };
}

/**
 * Checks and loads the configured keys. The first key that can sign signs;
 * every key (and every JWKS key) verifies. Throws `JWT_KEY_INVALID` for a
 * short HS256 secret, a malformed or mismatched key, a bad or duplicate kid.
 */
export function loadJwtKeys(keys: readonly JwtKeyInput[], jwks?: JsonWebKeySet): JwtKeySet {
  if (!Array.isArray(keys) || keys.length === 0) throw keyError(undefined, 'at least one key is required');
  const byKid = new Map<string, LoadedJwtKey>();
  const add = (k: LoadedJwtKey): void => {
    if (byKid.has(k.kid)) throw keyError(k.kid, 'duplicate kid');
    byKid.set(k.kid, k);
  };
  let signer: LoadedJwtKey | undefined;
  for (const input of keys) {
    if (typeof input !== 'object' || input === null) throw keyError(undefined, 'a key entry is not an object');
    const loaded = 'secret' in input ? loadHmac(input) : loadAsymmetric(input);
    add(loaded);
    if (signer === undefined && loaded.signKeyPromise !== undefined) signer = loaded;
  }
  if (jwks !== undefined) {
    if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) throw keyError(undefined, 'jwks must be { keys: [...] }');
    for (const jwk of jwks.keys) add(loadAsymmetric(fromJwk(jwk)));
  }
  if (signer === undefined) throw keyError(undefined, 'no configured key can sign (HS256 secret or private key needed)');
  const algorithms = [...new Set([...byKid.values()].map((k) => k.alg))];
  return { signer, byKid, algorithms };
}

/** The public JWKS of the asymmetric keys, for publishing to other verifiers. */
export function publicJwks(set: JwtKeySet): JsonWebKeySet {
  return { keys: [...set.byKid.values()].flatMap((k) => (k.publicJwk === undefined ? [] : [{ ...k.publicJwk }])) };
}
