import { HttpErrorResponse } from '@angular/common/http';
import { toApiProblem } from './api-error';

describe('toApiProblem', () => {
  it('takes code, message and per-field issues from the API error body', () => {
    const problem = toApiProblem(
      new HttpErrorResponse({
        status: 400,
        error: {
          error: {
            code: 'validation_failed',
            message: 'The request is not valid.',
            details: {
              issues: [
                { path: 'password', message: 'must be at least 12 characters' },
                { path: 'password', message: 'must not be your email' },
                { path: '', message: 'whole body' },
              ],
            },
          },
        },
      }),
    );
    expect(problem).toEqual({
      status: 400,
      code: 'validation_failed',
      message: 'The request is not valid.',
      fields: { password: 'must be at least 12 characters must not be your email' },
    });
  });

  it('explains a network failure', () => {
    expect(toApiProblem(new HttpErrorResponse({ status: 0 })).code).toBe('network_error');
  });

  it('copes with a body that is not ours', () => {
    const problem = toApiProblem(new HttpErrorResponse({ status: 502, error: '<html>Bad gateway</html>' }));
    expect(problem.code).toBe('unknown_error');
    expect(problem.message).toContain('502');
  });
});
