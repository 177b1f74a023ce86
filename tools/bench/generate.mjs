// Realistic data for benchmarks and console tests, written straight into a data directory's SQLite file
// (better-sqlite3; the schema is the real one: the service ran its migrations on the first start).
//
//   node tools/bench/generate.mjs <data dir> [--members=100000] [--groups=50] [--libraries=12] [--audit=1000000]
//
// Without an existing database in <data dir>, the built service (dist/apps/api, `npm run build` first) is
// started once on it to create the schema, the owner (owner@example.com / "correct horse battery staple",
// with an authenticator app) and a Jellyfin server; the owner's TOTP secret and the server's API key are
// written to <data dir>/bench-credentials.json. Then, with the service stopped:
// - members `m-<i>` (username `user<i>`, display name, e-mail for two in three, first seen over 90 days),
//   each in two of the groups, and libraries (`movies`, `tv`, `lib-2`, …);
// - a factor mix by member number (i % 100): 0–34 an authenticator app whose secret is `memberTotpSecret(i)`
//   (so benchmarks can compute valid codes), 35–39 e-mail codes, 40–44 a passkey (a credential row only:
//   it cannot sign), 45 recovery codes alone; 99 is exempt; the rest have nothing;
// - audit entries spread over the last 90 days (login decisions, verifications, factor changes), hash-chained
//   exactly as the service chains them (entries already there are re-chained after them), with the per-day
//   counts the dashboard reads. `GET /api/v1/audit/verify` accepts the chain.
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const DAY = 86_400_000;
const GENESIS = '0'.repeat(64);
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The authenticator-app secret (base32, 160 bits) the generator gives member number `i`. */
export function memberTotpSecret(i) {
  const bytes = createHash('sha1').update(`latchkey-bench-totp-${i}`).digest();
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  return bits.match(/.{5}/g).map((c) => BASE32[parseInt(c, 2)]).join('');
}

/** Which factor the generator gives member number `i`. */
export function factorOf(i) {
  const k = i % 100;
  return k < 35 ? 'totp' : k < 40 ? 'email' : k < 45 ? 'passkey' : k === 45 ? 'recovery_codes' : null;
}

/** The same hash as apps/api/src/audit/audit.service.ts `entryHash`. */
function entryHash(prev, e) {
  const canonical = JSON.stringify([e.seq, e.id, e.at, e.type, e.outcome, e.memberId, e.adminId, e.ip, e.details]);
  return createHash('sha256').update(prev).update('\n').update(canonical).digest('hex');
}

/** The service's envelope (apps/api/src/crypto/crypto.service.ts): AES-256-GCM, context as associated data. */
function encrypter(dataDir) {
  const k = JSON.parse(fs.readFileSync(path.join(dataDir, 'keys', 'encryption.key'), 'utf8'));
  const key = Buffer.from(k.key, 'base64');
  return (plaintext, context) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(`lk1|${k.kid}|${context}`, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return ['lk1', k.kid, iv.toString('base64url'), body.toString('base64url')].join('.');
  };
}

/** A small deterministic random source, so two runs generate the same data. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * Fills `dataDir` (whose database exists and holds a server; the service must not be running).
 * Returns counts and timings.
 */
export function generate(dataDir, { members = 100_000, groups = 50, libraries = 12, audit = 1_000_000, now = Date.now() } = {}) {
  const t0 = performance.now();
  const db = new Database(path.join(dataDir, 'latchkey.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -200000');
  const server = db.prepare('SELECT id FROM servers ORDER BY created_at LIMIT 1').get();
  if (!server) throw new Error(`no server in ${dataDir}: start the service on it and add one first`);
  if (db.prepare('SELECT 1 FROM members LIMIT 1').get()) throw new Error(`${dataDir} has members already: generate into a fresh data directory`);
  const encrypt = encrypter(dataDir);
  const random = rng(42);

  // Directory.
  const groupIds = [];
  const memberIds = [];
  db.transaction(() => {
    const g = db.prepare('INSERT INTO directory_groups (id, server_id, external_id, first_seen_at, updated_at, removed_at, name) VALUES (?, ?, ?, ?, ?, NULL, ?)');
    for (let i = 0; i < groups; i++) {
      const id = randomUUID();
      groupIds.push(id);
      g.run(id, server.id, `g${i}`, now - 90 * DAY, now - 90 * DAY, `Group ${i}`);
    }
    const lib = db.prepare('INSERT INTO directory_libraries (id, server_id, external_id, first_seen_at, updated_at, removed_at, name) VALUES (?, ?, ?, ?, ?, NULL, ?)');
    const libNames = ['Movies', 'TV', 'Music', 'Kids', 'Documentaries', 'Anime', 'Home videos', 'Audiobooks', 'Concerts', 'Classics', '4K Movies', 'Sport'];
    for (let i = 0; i < libraries; i++) lib.run(randomUUID(), server.id, i === 0 ? 'movies' : i === 1 ? 'tv' : `lib-${i}`, now - 90 * DAY, now - 90 * DAY, libNames[i] ?? `Library ${i}`);
    const m = db.prepare(
      'INSERT INTO members (id, server_id, external_id, first_seen_at, updated_at, removed_at, username, display_name, email, credential_version, emergency_at, factor_mask, search_text) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, 0, NULL, 0, ?)',
    );
    const mg = db.prepare('INSERT INTO member_groups (member_id, group_id) VALUES (?, ?)');
    for (let i = 0; i < members; i++) {
      const id = randomUUID();
      memberIds.push(id);
      const username = `user${i}`;
      const displayName = `User Number ${i}`;
      const email = i % 3 === 0 ? null : `user${i}@example.com`;
      const seen = now - Math.floor(random() * 90 * DAY);
      m.run(id, server.id, `m-${i}`, seen, seen, username, displayName, email, [username, displayName, email ?? ''].join(' ').toLowerCase().slice(0, 300));
      const a = i % groups;
      const b = (i * 7) % groups;
      mg.run(id, groupIds[a]);
      if (b !== a) mg.run(id, groupIds[b]);
    }
  })();
  const tDirectory = performance.now();

  // Factors and exemptions (the factor_mask triggers keep members.factor_mask in step).
  let factors = 0;
  let exemptions = 0;
  db.transaction(() => {
    const f = db.prepare(
      'INSERT INTO factors (id, member_id, admin_id, kind, status, label, secret, email, credential_id, sign_count, transports, last_used_step, created_at, confirmed_at, last_used_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL)',
    );
    const ex = db.prepare('INSERT INTO exemptions (id, member_id, policy_id, reason, expires_at, created_at, created_by, revoked_at) VALUES (?, ?, NULL, ?, NULL, ?, NULL, NULL)');
    for (let i = 0; i < members; i++) {
      const kind = factorOf(i);
      const at = now - Math.floor(random() * 60 * DAY);
      if (kind) {
        const id = randomUUID();
        const secret = kind === 'totp' ? encrypt(memberTotpSecret(i), `totp:${id}`) : kind === 'passkey' ? randomBytes(77).toString('base64url') : null;
        const label = { totp: 'Authenticator app', email: 'E-mail', passkey: 'Passkey', recovery_codes: 'Recovery codes' }[kind];
        f.run(id, memberIds[i], kind, 'active', label, secret, kind === 'email' ? `user${i}@example.com` : null, kind === 'passkey' ? `bench-credential-${i}` : null, kind === 'passkey' ? 0 : null, kind === 'passkey' ? 'internal' : null, at, at);
        factors++;
      }
      if (i % 100 === 99) {
        ex.run(randomUUID(), memberIds[i], 'Generated: shared living-room TV', at);
        exemptions++;
      }
    }
  })();
  const tFactors = performance.now();

  // Audit log: `audit` entries over the last 90 days, then whatever the service wrote, re-chained after them.
  const existing = db.prepare('SELECT id, at, type, outcome, member_id AS memberId, admin_id AS adminId, ip, details FROM audit_events ORDER BY seq').all();
  const counts = new Map();
  const count = (at, type, outcome) => {
    const k = `${new Date(at).toISOString().slice(0, 10)}|${type}|${outcome}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  // Secondary indexes are built once at the end (much faster than kept up to date row by row).
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events' AND sql IS NOT NULL AND name != 'ux_audit_events_seq'").all();
  db.pragma('temp_store = MEMORY');
  db.transaction(() => {
    for (const ix of indexes) db.prepare(`DROP INDEX "${ix.name}"`).run();
    db.prepare('DELETE FROM audit_events').run();
    db.prepare('DELETE FROM audit_daily_counts').run();
    db.prepare('DELETE FROM audit_checkpoints').run();
    const ins = db.prepare('INSERT INTO audit_events (id, seq, at, type, outcome, member_id, admin_id, ip, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    let seq = 0;
    let prev = GENESIS;
    const append = (e) => {
      e.seq = ++seq;
      const hash = entryHash(prev, e);
      ins.run(e.id, e.seq, e.at, e.type, e.outcome, e.memberId, e.adminId, e.ip, e.details, prev, hash);
      prev = hash;
      count(e.at, e.type, e.outcome);
    };
    const start = Math.min(now, ...existing.map((e) => e.at)) - 90 * DAY;
    const span = 90 * DAY - 1000;
    const decisions = ['allow', 'allow', 'allow', 'allow', 'allow', 'allow', 'allow', 'challenge', 'challenge', 'allow_in_grace', 'enrol_required', 'deny'];
    for (let n = 0; n < audit; n++) {
      const at = start + Math.floor((n / Math.max(audit, 1)) * span);
      const i = Math.floor(random() * members);
      const memberId = members ? memberIds[i] : null;
      const ip = `198.51.100.${i % 250}`;
      const r = random();
      let e;
      if (r < 0.85) {
        const outcome = decisions[Math.floor(random() * decisions.length)];
        e = { type: 'login.decision', outcome, details: JSON.stringify({ serverId: server.id, deviceId: `device-${i % 7}`, client: 'Jellyfin Web 10.11', trusted: outcome === 'allow', policyIds: [], reasons: [], challengeId: null }) };
      } else if (r < 0.97) {
        e = { type: 'verification', outcome: random() < 0.9 ? 'success' : 'failure', details: JSON.stringify({ method: factorOf(i) === 'email' ? 'email' : 'totp' }) };
      } else {
        e = { type: 'factor.added', outcome: 'success', details: JSON.stringify({ kind: factorOf(i) ?? 'totp' }) };
      }
      append({ id: randomUUID(), at, memberId, adminId: null, ip, ...e });
    }
    for (const e of existing) append({ ...e, at: Number(e.at) });
    const dc = db.prepare('INSERT INTO audit_daily_counts (day, type, outcome, events) VALUES (?, ?, ?, ?)');
    for (const [k, n] of counts) dc.run(...k.split('|'), n);
    for (const ix of indexes) db.prepare(ix.sql).run();
  })();
  const tAudit = performance.now();
  db.pragma('optimize');
  db.close();
  return {
    members,
    groups,
    libraries,
    factors,
    exemptions,
    auditEntries: audit + existing.length,
    ms: { directory: Math.round(tDirectory - t0), factors: Math.round(tFactors - tDirectory), audit: Math.round(tAudit - tFactors) },
  };
}

/**
 * A data directory ready for benchmarks: starts the built service once on a fresh directory (schema, owner,
 * server), stops it, fills it. Returns the directory and the credentials (the service is not running).
 */
export async function prepareDataDir(options = {}, { startService, ownerAndServer }) {
  const first = await startService();
  let credentials;
  try {
    credentials = await ownerAndServer(first);
  } finally {
    await first.stop({ keep: true });
  }
  fs.writeFileSync(path.join(first.dataDir, 'bench-credentials.json'), JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  const stats = generate(first.dataDir, options);
  return { dataDir: first.dataDir, credentials, stats };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir || dir.startsWith('--')) {
    console.error('Usage: node tools/bench/generate.mjs <data dir> [--members=100000] [--groups=50] [--libraries=12] [--audit=1000000]');
    process.exit(2);
  }
  const opt = Object.fromEntries(process.argv.slice(3).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, Number(v)]));
  const { startService, ownerAndServer } = await import('./lib.mjs');
  const target = path.resolve(dir);
  if (fs.existsSync(path.join(target, 'latchkey.db'))) {
    console.log(generate(target, opt));
  } else {
    // Start once on a fresh directory, then move it into place.
    const { dataDir, credentials, stats } = await prepareDataDir(opt, { startService, ownerAndServer });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.cpSync(dataDir, target, { recursive: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
    console.log({ dataDir: target, apiKey: credentials.apiKey, owner: credentials.email, ...stats });
    console.log(`Start it with: LATCHKEY_DATA_DIR=${target} npm start   (credentials in ${path.join(target, 'bench-credentials.json')})`);
  }
}
