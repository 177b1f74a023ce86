// `testTimeout` in a project's config is ignored when Jest runs several projects (`npx jest` at the root):
// set it here, per test file, so the bounded run in `npm test` and the long run get the same deadline.
jest.setTimeout(600_000);
