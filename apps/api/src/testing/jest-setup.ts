// `testTimeout` in a project's config is ignored when Jest runs several projects (`npx jest` at the root):
// set it here, per test file, so integration tests get their 30 s in `npm test` too.
jest.setTimeout(30_000);
