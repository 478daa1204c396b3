/**
 * Permission-check benchmark: tenantguard vs @casl/ability vs casbin on the
 * same model (five roles + the member alias, the full catalog, one deny
 * override, brand scoping), every user x every permission, shuffled. Each
 * engine is first checked against the reference decisions
 * (test/rbac/reference.ts); any disagreement aborts the run.
 *
 * 1. plain checks (the user's own brand, so brand scope never decides): tenantguard vs CASL (goal >= 3x), casbin
 * 2. brand-scoped checks (granted and foreign brands): tenantguard vs CASL conditions (goal >= 3x)
 * 3. compiling one principal: tenantguard compile() vs CASL createMongoAbility(rules) (goal <= 2 µs)
 * 4. flatness: tenantguard throughput with principals spread over 1 ... 10,000 orgs (goal within 10%)
 *
 * Env: TG_BENCH_SAMPLES (default 9), TG_BENCH_SAMPLE_MS (default 250).
 */
import { createMongoAbility, subject as caslSubject, type MongoAbility, type RawRuleOf } from '@casl/ability';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StringAdapter, newEnforcer, newModelFromString } from 'casbin';
import { PERMISSIONS, PERMISSION_NAMES, type Permission } from '../src/rbac/catalog.js';
import { type CheckScope, type CompiledPrincipal, type PrincipalGrants, createPermissionEngine } from '../src/rbac/engine.js';
import { BUILTIN_ROLES, ROLE_PERMISSIONS, type RoleName, getRoleDefinition, resolveRole } from '../src/rbac/roles.js';
import { type RefPrincipal, refDecide } from '../test/rbac/reference.js';

const samples = Number(process.env.TG_BENCH_SAMPLES ?? 9);
const sampleMs = Number(process.env.TG_BENCH_SAMPLE_MS ?? 250);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
let seed = 42;
const rand = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x80000000;
};
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

// --- the model -------------------------------------------------------------
const ORG = '00000000-0000-4000-8000-000000000001';
const BRANDS = ['brand-1', 'brand-2', 'brand-3'];
const DENIED: Permission = 'email.campaigns.send';
interface User {
  id: string;
  role: RoleName;
  brands: string[];
  deny: boolean;
}
const users: User[] = [];
for (const role of [...BUILTIN_ROLES, 'member'] as RoleName[]) {
  for (let i = 0; i < 4; i += 1) {
    const scoped = getRoleDefinition(resolveRole(role)).brandScoped;
    users.push({ id: `${role}-${i}`, role, brands: scoped ? BRANDS.slice(0, 1 + (i % 2)) : [], deny: role === 'manager' && i === 0 });
  }
}
const level = new Map(PERMISSIONS.map((p) => [p.permission as string, p.level]));
const split = (p: string): { action: string; type: string } => {
  const dot = p.lastIndexOf('.');
  return { action: p.slice(dot + 1), type: p.slice(0, dot) };
};
const ownBrand = (u: User): string => u.brands[0] ?? 'brand-1';

function grantsOf(u: User, orgId = ORG): PrincipalGrants {
  return {
    orgId,
    userId: u.id,
    role: u.role,
    brands: u.brands,
    overrides: u.deny ? [{ effect: 'deny', permission: DENIED }] : [],
  };
}
const refOf = (u: User): RefPrincipal => ({
  orgId: ORG,
  role: u.role,
  brands: u.brands,
  overrides: u.deny ? [{ effect: 'deny', permission: DENIED }] : [],
});

// CASL: one rule per permission held (CASL has no dotted wildcards); brand
// conditions for scoped roles in the conditional form; the deny as `cannot`
// AFTER the grants (CASL's last rule wins).
type AppAbility = MongoAbility;
function caslRules(u: User, withConditions: boolean): RawRuleOf<AppAbility>[] {
  const rules: RawRuleOf<AppAbility>[] = [];
  const scoped = getRoleDefinition(resolveRole(u.role)).brandScoped;
  for (const p of ROLE_PERMISSIONS[u.role]) {
    const { action, type } = split(p);
    if (withConditions && scoped && level.get(p) === 'brand') {
      rules.push({ action, subject: type, conditions: { brandId: { $in: u.brands } } });
    } else {
      rules.push({ action, subject: type });
    }
  }
  if (u.deny) {
    const { action, type } = split(DENIED);
    rules.push({ action, subject: type, inverted: true });
  }
  return rules;
}

// casbin: RBAC with a deny effect; role permissions expanded per role.
const CASBIN_MODEL = `
[request_definition]
r = sub, obj
[policy_definition]
p = sub, obj, eft
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))
[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj
`;
function casbinPolicy(): string {
  const lines: string[] = [];
  for (const r of BUILTIN_ROLES) {
    const def = getRoleDefinition(r);
    const own = ROLE_PERMISSIONS[r].filter((p) => def.inherits === null || !ROLE_PERMISSIONS[def.inherits].includes(p));
    for (const p of own) lines.push(`p, role_${r}, ${p}, allow`);
    if (def.inherits !== null) lines.push(`g, role_${r}, role_${def.inherits}`);
  }
  for (const u of users) {
    lines.push(`g, ${u.id}, role_${resolveRole(u.role)}`);
    if (u.deny) lines.push(`p, ${u.id}, ${DENIED}, deny`);
  }
  return lines.join('\n');
}

// --- workloads -------------------------------------------------------------
interface Check {
  u: number;
  perm: Permission;
  scope: CheckScope;
  action: string;
  type: string;
  caslSubject: string | object;
  expected: boolean;
}
const scopeCache = new Map<string, CheckScope>();
const scopeFor = (brandId: string): CheckScope => {
  let s = scopeCache.get(brandId);
  if (s === undefined) {
    s = { orgId: ORG, brandId };
    scopeCache.set(brandId, s);
  }
  return s;
};
const subjectCache = new Map<string, object>();
const subjectFor = (type: string, brandId: string): object => {
  const key = `${type}\u0000${brandId}`;
  let s = subjectCache.get(key);
  if (s === undefined) {
    s = caslSubject(type, { brandId });
    subjectCache.set(key, s);
  }
  return s;
};

const plain: Check[] = [];
const scoped: Check[] = [];
users.forEach((u, ui) => {
  for (const perm of PERMISSION_NAMES) {
    const { action, type } = split(perm);
    const b = ownBrand(u);
    plain.push({ u: ui, perm, scope: scopeFor(b), action, type, caslSubject: type, expected: refDecide(refOf(u), perm, { orgId: ORG, brandId: b }, Date.now()) });
    for (const brand of BRANDS) {
      const brandLevel = level.get(perm) === 'brand';
      scoped.push({
        u: ui,
        perm,
        scope: scopeFor(brand),
        action,
        type,
        caslSubject: brandLevel ? subjectFor(type, brand) : type,
        expected: refDecide(refOf(u), perm, { orgId: ORG, brandId: brand }, Date.now()),
      });
    }
  }
});
shuffle(plain);
shuffle(scoped);

const engine = createPermissionEngine();
const principals: CompiledPrincipal[] = users.map((u) => engine.compile(grantsOf(u)));
const caslPlain: AppAbility[] = users.map((u) => createMongoAbility(caslRules(u, false)));
const caslScoped: AppAbility[] = users.map((u) => createMongoAbility(caslRules(u, true)));
const casbin = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(casbinPolicy()));

// --- agreement with the reference -------------------------------------------
function agree(name: string, checks: Check[], decide: (c: Check) => boolean): void {
  let bad = 0;
  for (const c of checks) if (decide(c) !== c.expected) bad += 1;
  if (bad > 0) {
    console.error(`${name}: ${bad} of ${checks.length} decisions disagree with the reference; aborting`);
    process.exit(1);
  }
  console.log(`  ${name}: ${checks.length} decisions agree with the reference (${checks.filter((c) => c.expected).length} allowed)`);
}
console.log('Agreement with the reference decisions:');
agree('tenantguard plain', plain, (c) => engine.can(principals[c.u] as CompiledPrincipal, c.perm, c.scope));
agree('CASL plain', plain, (c) => (caslPlain[c.u] as AppAbility).can(c.action, c.caslSubject as string));
agree('casbin plain', plain, (c) => casbin.enforceSync((users[c.u] as User).id, c.perm));
agree('tenantguard brand-scoped', scoped, (c) => engine.can(principals[c.u] as CompiledPrincipal, c.perm, c.scope));
agree('CASL brand-scoped (conditions)', scoped, (c) => (caslScoped[c.u] as AppAbility).can(c.action, c.caslSubject as string));

// --- timing ----------------------------------------------------------------
let sink = 0;
/** Checks per second: loops over `checks` for about `ms`. */
function rate(checks: Check[], run: (checks: Check[]) => number, ms: number): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < deadline) {
    sink += run(checks);
    n += checks.length;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}
/**
 * Checks per CPU-second of this process (user + system): on a shared host
 * the wall clock also counts the time other processes hold the CPU.
 */
function cpuRate(checks: Check[], run: (checks: Check[]) => number, ms: number): number {
  let n = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < ms * 1000) {
    sink += run(checks);
    n += checks.length;
    const d = process.cpuUsage(start);
    used = d.user + d.system;
  }
  return n / (used / 1e6);
}
const tgRun = (ps: CompiledPrincipal[]) => (checks: Check[]): number => {
  let k = 0;
  for (let i = 0; i < checks.length; i += 1) {
    const c = checks[i] as Check;
    if (engine.can(ps[c.u] as CompiledPrincipal, c.perm, c.scope)) k += 1;
  }
  return k;
};
const caslRun = (abilities: AppAbility[]) => (checks: Check[]): number => {
  let k = 0;
  for (let i = 0; i < checks.length; i += 1) {
    const c = checks[i] as Check;
    if ((abilities[c.u] as AppAbility).can(c.action, c.caslSubject as string)) k += 1;
  }
  return k;
};
const casbinRun = (checks: Check[]): number => {
  let k = 0;
  for (let i = 0; i < checks.length; i += 1) {
    const c = checks[i] as Check;
    if (casbin.enforceSync((users[c.u] as User).id, c.perm)) k += 1;
  }
  return k;
};

// Warm-up, then interleaved samples so drift hits every engine alike.
for (let i = 0; i < 3; i += 1) {
  rate(plain, tgRun(principals), 100);
  rate(plain, caslRun(caslPlain), 100);
  rate(scoped, tgRun(principals), 100);
  rate(scoped, caslRun(caslScoped), 100);
}
const r: Record<string, number[]> = { tgPlain: [], caslPlain: [], casbin: [], tgScoped: [], caslScoped: [] };
for (let s = 0; s < samples; s += 1) {
  r.tgPlain?.push(rate(plain, tgRun(principals), sampleMs));
  r.caslPlain?.push(rate(plain, caslRun(caslPlain), sampleMs));
  r.tgScoped?.push(rate(scoped, tgRun(principals), sampleMs));
  r.caslScoped?.push(rate(scoped, caslRun(caslScoped), sampleMs));
  if (s < 3) r.casbin?.push(rate(plain, casbinRun, Math.min(sampleMs, 200)));
}
const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)])) as Record<string, number>;

// --- compile time ----------------------------------------------------------
const grants = users.map((u) => grantsOf(u));
const rulesScoped = users.map((u) => caslRules(u, true));
function perCompileNs(op: (i: number) => unknown, reps: number): number {
  const start = process.hrtime.bigint();
  for (let k = 0; k < reps; k += 1) for (let i = 0; i < users.length; i += 1) sink += op(i) === null ? 0 : 1;
  return Number(process.hrtime.bigint() - start) / (reps * users.length);
}
const compileReps = 2_000;
const tgCompile = (i: number) => engine.compile(grants[i] as PrincipalGrants);
const caslCompile = (i: number) => createMongoAbility(rulesScoped[i] as RawRuleOf<AppAbility>[]);
perCompileNs(tgCompile, 500);
perCompileNs(caslCompile, 200);
const tgC: number[] = [];
const caslC: number[] = [];
for (let s = 0; s < samples; s += 1) {
  tgC.push(perCompileNs(tgCompile, compileReps));
  caslC.push(perCompileNs(caslCompile, compileReps / 4));
}
// Plus CASL's first check, which builds its per-subject rule index lazily.
const caslFirstCheck: number[] = [];
for (let s = 0; s < samples; s += 1) {
  caslFirstCheck.push(perCompileNs((i) => createMongoAbility(rulesScoped[i] as RawRuleOf<AppAbility>[]).can('read', 'content'), compileReps / 4));
}

// --- flatness over orgs ------------------------------------------------------
// The number of orgs is the only variable: the same 24,000 principals (1,000
// copies of the 24-user model) are spread over N orgs, and every check has its
// own scope object, so the memory touched is the same at every N. The engine
// keeps no per-org state, so what this measures is that nothing in a check
// grows with the org count; random access over 24,000 principals is
// memory-bound, so the machine's noise shows here first.
const ORG_COUNTS = (process.env.TG_BENCH_ORGS ?? '1,10,100,1000,10000').split(',').map(Number);
const TOTAL_PRINCIPALS = 24_000;
const FLAT_CHECKS = 200_000;
const CHECKS_PER_REQUEST = 8;
interface FlatSetup {
  orgs: number;
  ps: CompiledPrincipal[];
  checks: Check[];
  rates: number[];
}
const setups: FlatSetup[] = ORG_COUNTS.map((orgCount) => {
  const orgIds = Array.from({ length: orgCount }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const ps: CompiledPrincipal[] = [];
  for (let k = 0; k < TOTAL_PRINCIPALS; k += 1) {
    ps.push(engine.compile(grantsOf(users[k % users.length] as User, orgIds[k % orgCount] as string)));
  }
  const checks: Check[] = [];
  let k = 0;
  for (let i = 0; i < FLAT_CHECKS; i += 1) {
    // Request-shaped: a random principal, then CHECKS_PER_REQUEST checks by it.
    if (i % CHECKS_PER_REQUEST === 0) k = Math.floor(rand() * TOTAL_PRINCIPALS);
    const perm = PERMISSION_NAMES[Math.floor(rand() * PERMISSION_NAMES.length)] as Permission;
    const scope = { orgId: (ps[k] as CompiledPrincipal).orgId, brandId: BRANDS[Math.floor(rand() * BRANDS.length)] as string };
    checks.push({ u: k, perm, scope, action: '', type: '', caslSubject: '', expected: false });
  }
  return { orgs: orgCount, ps, checks, rates: [] };
});
// Full collections first, so every setup's objects sit in the old generation
// (otherwise the last-built setup enjoys a fresher, denser heap).
setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;
fullGc();
fullGc();
for (const st of setups) cpuRate(st.checks, tgRun(st.ps), 150);
// Many short interleaved rounds: noise from the shared machine hits every org
// count alike; each round's rate is compared with the 1-org rate of the same
// round (paired ratios remove slow drift), and the median ratio is reported.
const ROUNDS = samples * 4;
for (let s = 0; s < ROUNDS; s += 1) {
  for (const st of s % 2 === 0 ? setups : [...setups].reverse()) st.rates.push(cpuRate(st.checks, tgRun(st.ps), sampleMs / 8));
}
const baseRates = (setups[0] as FlatSetup).rates;
const flat = setups.map((st) => ({
  orgs: st.orgs,
  rate: median(st.rates),
  ratio: median(st.rates.map((x, i) => x / (baseRates[i] as number))),
}));

// --- report ------------------------------------------------------------------
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
console.log(`\nPermission checks, ${users.length} users x ${PERMISSION_NAMES.length} permissions, shuffled; median of ${samples} samples x ${sampleMs} ms`);
console.log(`  plain         tenantguard ${fmt(m.tgPlain as number)}/s   CASL ${fmt(m.caslPlain as number)}/s   ratio ${ratio(m.tgPlain as number, m.caslPlain as number)} (goal >= 3x)   casbin enforceSync ${fmt(m.casbin as number)}/s (tenantguard ${ratio(m.tgPlain as number, m.casbin as number)})`);
console.log(`  brand-scoped  tenantguard ${fmt(m.tgScoped as number)}/s   CASL conditions ${fmt(m.caslScoped as number)}/s   ratio ${ratio(m.tgScoped as number, m.caslScoped as number)} (goal >= 3x)`);
console.log(`Compile one principal (median ns): tenantguard ${median(tgC).toFixed(0)} ns (goal <= 2000)   CASL createMongoAbility ${median(caslC).toFixed(0)} ns   CASL build + first check ${median(caslFirstCheck).toFixed(0)} ns   ratio ${ratio(median(caslC), median(tgC))}`);
console.log(`Flatness (tenantguard, ${TOTAL_PRINCIPALS} principals spread over N orgs; requests of ${CHECKS_PER_REQUEST} checks by a random principal; ${ROUNDS} paired rounds; checks per CPU-second):`);
for (const f of flat) console.log(`  ${String(f.orgs).padStart(6)} orgs  ${fmt(f.rate)}/s  (median paired ratio vs 1 org: ${((f.ratio - 1) * 100).toFixed(1)}%)`);
const worst = Math.max(...flat.map((f) => Math.abs(f.ratio - 1)));
const slowest = Math.min(...flat.map((f) => f.ratio));
console.log(`  worst deviation ${(worst * 100).toFixed(1)}% (goal within 10%); worst slowdown ${(Math.max(0, 1 - slowest) * 100).toFixed(1)}%`);
if (sink === 42) console.log('');
