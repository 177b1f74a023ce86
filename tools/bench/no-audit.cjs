// Bench only (`audit-cost.mjs`): preloaded into the built service to turn the login path's audit
// writer (group commit) into a no-op, so a run measures the same service without audit writing.
// Nothing in the service itself can switch auditing off.
const path = require('node:path');
const { AuditService } = require(path.resolve('dist/apps/api/apps/api/src/audit/audit.service.js'));
AuditService.prototype.recordSoon = function recordSoonDisabledForBenchmark() {};
