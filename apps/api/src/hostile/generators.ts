import fc from 'fast-check';
import { CRED_KINDS, CredKind, deref, JsonSchema, Operation, World } from './kit';

/**
 * fast-check generators for hostile requests, driven by the OpenAPI document: first a value that roughly
 * fits the schema (so requests get past the outer checks and into the handlers), then a mutation of it.
 */

/** Strings that have broken parsers, validators, loggers and databases elsewhere. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'admin\u0000@example.com',
  '\r\nX-Injected: 1',
  '%0d%0aSet-Cookie:%20x=1',
  '\u202eevil',
  '\u200b',
  '\ufeff',
  'аdmin', // Cyrillic а
  'ａｄｍｉｎ', // full width
  'e\u0301',
  '\ud800', // a lone surrogate
  '\udfff\ud800',
  '🔑'.repeat(300),
  "' OR 1=1 --",
  '"; DROP TABLE members; --',
  '<script>alert(1)</script>',
  '{{7*7}}${7*7}',
  '../../../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '%',
  '%zz',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  '0x10',
  'true',
  '[]',
  '{}',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-4fff-bfff-ffffffffffff',
  'lk_srv_' + 'A'.repeat(43),
  'lk_adm_' + 'A'.repeat(43),
  'javascript:alert(1)',
  '//evil.example',
  'A'.repeat(257),
  'A'.repeat(70_000),
];

export const NASTY_NUMBERS = [0, -1, 1, -0, 0.5, 1.0000001, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, Number.MAX_VALUE, Number.MIN_VALUE, 1e308, -1e308];

export const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)) },
);

/** Any JSON value that does not belong where it is put. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { '': '' }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 3_000 }).map((n) => nest(n, 'deep')) },
);

function nest(depth: number, leaf: unknown): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** A value that roughly fits the schema. */
export function fitting(doc: JsonSchema, schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(doc, schema);
  if (depth > 6) return fc.constant(null);
  const variants = (s['anyOf'] ?? s['oneOf']) as JsonSchema[] | undefined;
  if (variants?.length) return fc.oneof(...variants.map((v) => fitting(doc, v, depth + 1)));
  if (Array.isArray(s['enum']) && s['enum'].length) return fc.constantFrom(...(s['enum'] as unknown[]));
  if ('const' in s) return fc.constant(s['const']);
  const type = Array.isArray(s['type']) ? (s['type'] as string[]).find((x) => x !== 'null') : (s['type'] as string | undefined);
  switch (type) {
    case 'string': {
      const format = s['format'];
      if (format === 'uuid') return fc.uuid({ version: 4 });
      if (format === 'email') return fc.emailAddress();
      if (format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (format === 'uri') return fc.webUrl();
      const min = Number(s['minLength'] ?? 0);
      const max = Math.max(min, Math.min(Number(s['maxLength'] ?? 40), 40));
      return fc.string({ minLength: min, maxLength: max, unit: 'grapheme-ascii' });
    }
    case 'integer':
      return fc.integer({ min: Number(s['minimum'] ?? -1000), max: Number(s['maximum'] ?? 1000) });
    case 'number':
      return fc.double({ min: Number(s['minimum'] ?? -1000), max: Number(s['maximum'] ?? 1000), noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fitting(doc, s['items'] as JsonSchema, depth + 1), { maxLength: Math.min(Number(s['maxItems'] ?? 3), 3) });
    case 'object': {
      const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = (s['required'] as string[] | undefined) ?? [];
      if (!Object.keys(props).length) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
      return fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fitting(doc, v, depth + 1)])), { requiredKeys: required.filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Whether a mutation makes the request certainly invalid (so a 2xx would be a bug). */
export interface Mutated<T> {
  value: T;
  label: string;
  mustFail: boolean;
}

/** One field of an object replaced, dropped or added; or the whole body swapped for something else. */
export function mutateBody(doc: JsonSchema, schema: JsonSchema): fc.Arbitrary<Mutated<unknown>> {
  const s = deref(doc, schema);
  const props = Object.keys((s['properties'] ?? {}) as object);
  const required = ((s['required'] as string[] | undefined) ?? []).filter((k) => props.includes(k));
  const strict = s['additionalProperties'] === false;
  const base = fitting(doc, s) as fc.Arbitrary<Record<string, unknown>>;
  const options: fc.Arbitrary<Mutated<unknown>>[] = [
    base.map((value) => ({ value, label: 'fitting', mustFail: false })),
    fc.tuple(base, nastyValue).map(([value, junk]) => ({ value: withKey(value, '__proto__', junk), label: '__proto__ key', mustFail: true })),
    fc.tuple(base, fc.constantFrom('constructor', 'surprise', 'isAdmin', 'role', '', '\u0000'), nastyValue).map(([value, key, junk]) => ({
      value: withKey(value, key, junk),
      label: `unknown field ${JSON.stringify(key)}`,
      mustFail: strict,
    })),
    nastyValue.map((value) => ({ value, label: 'wrong top-level value', mustFail: !(typeof value === 'object' && value !== null && !Array.isArray(value)) || Object.keys(value).length > 0 })),
  ];
  if (props.length) {
    options.push(
      fc.tuple(base, fc.constantFrom(...props), nastyValue).map(([value, key, junk]) => ({ value: withKey(value, key, junk), label: `nasty ${key}`, mustFail: false })),
      fc.tuple(base, fc.constantFrom(...props), deepBomb()).map(([value, key, bomb]) => ({ value: withKey(value, key, bomb), label: `JSON bomb in ${key}`, mustFail: false })),
    );
  }
  if (required.length) {
    options.push(fc.tuple(base, fc.constantFrom(...required)).map(([value, key]) => ({ value: without(value, key), label: `missing ${key}`, mustFail: !('default' in deref(doc, (s['properties'] as Record<string, JsonSchema>)[key])) })));
  }
  return fc.oneof(...options);
}

function deepBomb(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer({ min: 500, max: 2_000 }).map((n) => nest(n, 1)),
    fc.integer({ min: 1_000, max: 50_000 }).map((n) => Array.from({ length: n }, (_, i) => ({ [`k${i}`]: i }))),
    fc.integer({ min: 1_000, max: 20_000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))),
  );
}

function withKey(value: unknown, key: string, junk: unknown): unknown {
  const o = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as object) } : {};
  // defineProperty, so that "__proto__" becomes a real key of the JSON text instead of a prototype.
  Object.defineProperty(o, key, { value: junk, enumerable: true, configurable: true, writable: true });
  return o;
}

function without(value: unknown, key: string): unknown {
  const o = { ...(value as Record<string, unknown>) };
  delete o[key];
  return o;
}

export interface WireBody {
  payload?: string | Buffer;
  contentType?: string;
  label: string;
  mustFail: boolean;
}

/** How the body travels: well-formed JSON, or broken on the wire. */
export function wire(body: fc.Arbitrary<Mutated<unknown>> | null, bodyLimit: number): fc.Arbitrary<WireBody> {
  const json = (body ?? fc.constant({ value: {}, label: 'empty object', mustFail: false })).map((m) => ({ payload: JSON.stringify(m.value) ?? 'null', contentType: 'application/json', label: m.label, mustFail: m.mustFail }));
  const broken: fc.Arbitrary<WireBody>[] = [
    json.chain((j) => fc.integer({ min: 0, max: Math.max(0, String(j.payload).length - 1) }).map((cut) => ({ ...j, payload: String(j.payload).slice(0, cut) + (cut === 0 ? '' : ''), label: 'truncated JSON', mustFail: true }))).filter((j) => j.payload !== '{}'),
    fc.constantFrom('{"a":', "{'a':1}", '{"a":1,}', '{"a":1} trailing', '/* c */{}', '\ufeff{}', 'NaN', '{"a":01}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"isAdmin":true}}}').map((payload) => ({ payload, contentType: 'application/json', label: `malformed ${payload.slice(0, 20)}`, mustFail: true })),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ payload: Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')]), contentType: 'application/json', label: 'raw bytes in a string', mustFail: true })),
    fc.integer({ min: 1_000, max: 100_000 }).map((n) => ({ payload: '['.repeat(n) + ']'.repeat(n), contentType: 'application/json', label: `${n} nested arrays`, mustFail: true })),
    fc.integer({ min: 1_000, max: 100_000 }).map((n) => ({ payload: '{"a":'.repeat(n) + '1' + '}'.repeat(n), contentType: 'application/json', label: `${n} nested objects`, mustFail: true })),
    fc.constantFrom('{"a":1,"a":2}').map((payload) => ({ payload, contentType: 'application/json', label: 'duplicate keys', mustFail: true })),
    json.chain((j) =>
      fc
        .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', 'text/json', 'application/json-patch+json', '', '*/*', 'application/json, text/plain')
        .map((contentType) => ({ ...j, contentType, label: `content-type ${JSON.stringify(contentType)}`, mustFail: true })),
    ),
    json.chain((j) => fc.constantFrom('application/json; charset=utf-16', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;;', 'application/json; boundary="').map((contentType) => ({ ...j, contentType, label: `content-type ${contentType}`, mustFail: false }))),
    json.map((j) => ({ ...j, payload: Buffer.from(String(j.payload), 'utf16le'), label: 'UTF-16 body', mustFail: true })),
    json.map((j) => ({ ...j, contentType: undefined, label: 'no content type', mustFail: true })),
    fc.constant({ payload: '', contentType: 'application/json', label: 'empty body', mustFail: true }),
    fc.constant({ payload: Buffer.alloc(bodyLimit + 1, 0x20), contentType: 'application/json', label: 'over the body limit', mustFail: true }),
  ];
  return fc.oneof({ weight: 6, arbitrary: json }, ...broken.map((arbitrary) => ({ weight: 1, arbitrary })));
}

/** A path parameter: a real id, a fresh uuid, or something that is no id at all (raw or URL-encoded). */
export function pathParam(w: World, name: string): fc.Arbitrary<string> {
  const real = name === 'externalId' ? w.externalIds : w.ids;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: fc.uuid({ version: 4 }) },
    { weight: 3, arbitrary: nastyString.map((s) => encodeURIComponent(safeWellFormed(s)).slice(0, 400)) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%00', '%2e%2e', '..', '.', '%2F', '%5C', ';', '%E2%80%AE', '%C0%AF', '%ED%A0%80', 'a'.repeat(300)) },
  );
}

/** Query strings: declared parameters with odd values, repeated parameters, undeclared ones. */
export function queryString(op: Operation): fc.Arbitrary<string> {
  const names = [...op.queryParams.map((p) => p.name), 'unknown', '__proto__', 'constructor[prototype][x]', 'a[b]', ''];
  const pair = fc.tuple(fc.constantFrom(...names), fc.oneof(nastyString.map((s) => s.slice(0, 5_000)), fc.integer().map(String), fc.constantFrom('-1', '0', '501', '1e3', '1.5', '', ' 1'))).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(safeWellFormed(v))}`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((ps) => `?${ps.join('&')}`) },
    { weight: 1, arbitrary: fc.constantFrom('?', '?&&&', '?%', '?a=%zz', '?limit=1&limit=2', `?x=${'y'.repeat(100_000)}`, '?=', '?a=1;b=2') },
  );
}

/** Headers a hostile client adds around its credentials. */
export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  {
    weight: 4,
    arbitrary: fc.dictionary(
      fc.constantFrom('x-request-id', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'origin', 'referer', 'sec-fetch-site', 'accept', 'accept-encoding', 'accept-language', 'user-agent', 'x-csrf-token', 'if-none-match', 'range', 'expect'),
      fc.oneof(nastyString.map((s) => headerSafe(s).slice(0, 8_000)), fc.constantFrom('cross-site', 'https://evil.example', 'null', '127.0.0.1, 10.0.0.1', '100-continue', 'bytes=0-0,1-1', '*/*;q=0')),
      { maxKeys: 4 },
    ),
  },
  { weight: 1, arbitrary: fc.constant({ 'content-length': '999999' }) },
  { weight: 1, arbitrary: fc.constant({ 'transfer-encoding': 'chunked' }) },
  { weight: 1, arbitrary: fc.constant({ cookie: 'a=b; '.repeat(2_000) }) },
  { weight: 1, arbitrary: fc.constant({ cookie: 'latchkey_admin=%E0%A4%A; latchkey_member="unterminated' }) },
  { weight: 1, arbitrary: fc.constant({ authorization: 'Bearer ' + 'A'.repeat(50_000) }) },
  { weight: 1, arbitrary: fc.constant({ authorization: 'Basic YWRtaW46YWRtaW4=' }) },
);

export const credKind: fc.Arbitrary<CredKind> = fc.constantFrom(...CRED_KINDS);

/** Header values must be latin-1 without CR/LF, or the client library refuses to send them. */
function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

/** Lone surrogates cannot be URL-encoded; replace them (raw bytes are covered elsewhere). */
function safeWellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
