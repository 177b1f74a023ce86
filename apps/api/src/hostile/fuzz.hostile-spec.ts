import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { credKind, extraHeaders, mutateBody, pathParam, queryString, wire } from './generators';
import { ANY_METHOD_PATHS, errorShapeProblem, headerProblem, CredKind, inject, mayPass, newTally, openApi, Operation, report, SCALE, SEED, startWorld, World } from './kit';

/**
 * Input fuzzing, generated from the OpenAPI document the running service publishes: every operation gets
 * requests with wrong types, missing and unknown fields, boundary numbers, huge strings, look-alike
 * Unicode, NUL bytes, JSON bombs, broken JSON, wrong content types, oversized bodies, odd headers and
 * garbage path and query parameters — from every kind of caller. Whatever comes in, the answer is a
 * 4xx in the one error shape (or a success for a request that happens to be valid), never a 5xx, never
 * a hang, and never a success for a caller the route does not admit.
 */
const CASES_PER_OPERATION = Math.round(40 * SCALE);
const tally = newTally();
const { doc, ops } = openApi();
let w: World;

/** Codes a request can get before the guard has looked at it (body parsing happens first). */
const PRE_GUARD = new Set(['malformed_json', 'unsupported_media_type', 'payload_too_large', 'not_found', 'method_not_allowed']);
const GUARD = new Set(['unauthenticated', 'forbidden', 'csrf_failed', 'mfa_required']);

function problems(res: LightMyRequestResponse, op: Operation, cred: CredKind, mustFail: boolean): string[] {
  const out: string[] = [];
  const headers = headerProblem(res);
  if (headers) out.push(headers);
  if (res.statusCode >= 500) out.push(`5xx: ${res.statusCode} ${res.body.slice(0, 300)}`);
  else if (res.statusCode >= 400) {
    const shape = errorShapeProblem(res);
    if (shape) out.push(`error shape: ${shape}: ${res.body.slice(0, 300)}`);
  }
  const passed = res.statusCode < 400;
  if (!mayPass(op.auth, cred, op.method)) {
    if (passed) out.push(`caller ${cred} got ${res.statusCode} from a route needing ${JSON.stringify(op.auth)}`);
    else if (res.statusCode < 500) {
      const err = safeJson(res.body)?.error ?? {};
      // A refusal from behind the guard (e.g. validation issues) means the guard let the caller through.
      if (!GUARD.has(err.code ?? '') && !PRE_GUARD.has(err.code ?? '') && !(err.code === 'validation_failed' && !err.details)) {
        out.push(`caller ${cred} reached the handler of a route needing ${JSON.stringify(op.auth)} (${err.code})`);
      }
    }
  }
  if (mustFail && passed) out.push(`an invalid request was accepted with ${res.statusCode}`);
  return out;
}

function safeJson(s: string): { error?: { code?: string; details?: unknown } } | null {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** A failure report that fits on a screen: long generated strings are cut, the seed replays the run. */
function briefly<T>(run: fc.RunDetails<T>): void {
  if (!run.failed) return;
  const cut = (_k: string, v: unknown) => (typeof v === 'string' && v.length > 120 ? `${v.slice(0, 120)}…(${v.length} chars)` : v);
  const cause = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
  throw new Error(`${cause}\n  counterexample: ${JSON.stringify(run.counterexample, cut)?.slice(0, 1_500)}\n  replay: LATCHKEY_HOSTILE_SEED=${run.seed} (path ${run.counterexamplePath})`);
}

function url(op: Operation, params: Record<string, string>, query: string): string {
  return op.path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? 'x') + query;
}

describe('hostile input, generated from the OpenAPI document', () => {
  beforeAll(async () => {
    w = await startWorld({ LATCHKEY_IP_ATTEMPTS_PER_15_MIN: '100000' });
  });
  afterAll(async () => {
    report('fuzz', { operations: ops.length, casesPerOperation: CASES_PER_OPERATION, ...tally });
    await w.t.close();
  });

  it('covers every route of the service (the document it publishes is the one fuzzed)', async () => {
    expect((await w.t.request({ method: 'GET', url: '/api/docs/openapi.json' })).json()).toEqual(doc);
    expect(ops.length).toBeGreaterThan(50);
    expect(ops.filter((o) => o.auth === undefined).map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });

  it('every path answers other methods with a 404/405 in the error shape', async () => {
    const paths = [...new Set(ops.map((o) => o.path))];
    for (const p of paths.filter((x) => !ANY_METHOD_PATHS.includes(x))) {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'] as const) {
        const concrete = p.replace(/:(\w+)/g, w.ids[0] ?? 'x');
        // Skip methods the path has, also through another route's parameter (DELETE /me/factors/email is DELETE /me/factors/:factorId).
        if (ops.some((o) => o.method === method && new RegExp(`^${o.path.replace(/:\w+/g, '[^/]+')}$`).test(concrete))) continue;
        const res = await inject(w.t, { method: method as 'GET', url: concrete, headers: w.headersFor('admin', method) }, tally);
        const refused = res.statusCode === 404 || res.statusCode === 405;
        expect({ path: p, method, status: res.statusCode, refused, shape: errorShapeProblem(res), headers: headerProblem(res) }).toEqual({ path: p, method, status: res.statusCode, refused: true, shape: null, headers: null });
      }
    }
  });

  describe('generated requests', () => {
    // One property per operation, so a failure names the route.
    it.each(ops.map((op) => [`${op.method} ${op.path}`, op] as const))('%s', async (_name, op) => {
      const params = fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, pathParam(w, p.name)])));
      const body = op.body ? wire(mutateBody(doc, op.body), w.t.config.bodyLimit) : fc.oneof(fc.constant(null), wire(null, w.t.config.bodyLimit));
      let n = 0;
      await fc.assert(
        fc.asyncProperty(credKind, params, queryString(op), body, extraHeaders, async (cred, p, query, b, extra) => {
          if (n++ % 50 === 0) await w.refresh();
          const headers: Record<string, string> = { ...extra, ...w.headersFor(cred, op.method) };
          if (b?.contentType !== undefined) headers['content-type'] = b.contentType;
          const res = await inject(w.t, { method: op.method as 'GET', url: url(op, p, query), headers, payload: b?.payload }, tally);
          const found = problems(res, op, cred, !!b?.mustFail && mayPass(op.auth, cred, op.method) && !!op.body);
          if (found.length) throw new Error(`${op.method} ${op.path} (${b?.label ?? 'no body'}, caller ${cred}): ${found.join('; ')}`);
        }),
        { numRuns: CASES_PER_OPERATION, seed: SEED, endOnFailure: true, reporter: briefly },
      );
    });
  });
});
