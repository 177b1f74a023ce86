import fs from 'node:fs';
import path from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AppException } from '../common/app-exception';
import { Endpoint, Public } from '../common/endpoint';
import { OpenApiDocument } from './openapi-document';

// A Map, not an object literal: `__proto__` or `constructor` must not look like a file to serve.
const ASSETS = new Map<string, string>([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'application/javascript; charset=utf-8'],
]);
const DOCS_INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: '/api/docs/openapi.json', dom_id: '#docs', deepLinking: true });
});
`;
const AssetParams = z.strictObject({ asset: z.string().max(100) });

/** Interactive API reference at /api/docs (Swagger UI, served locally; no inline script, no CDN). */
@Controller('api/docs')
export class DocsController {
  private readonly uiDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));

  constructor(private readonly document: OpenApiDocument) {}

  @Get()
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Endpoint({ summary: 'API reference (HTML)' })
  page(): string {
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Latchkey API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/docs-init.js"></script></body></html>`;
  }

  @Get('openapi.json')
  @Public()
  @Endpoint({ summary: 'The OpenAPI 3.1 document' })
  json(): Record<string, unknown> {
    return this.document.get();
  }

  @Get('assets/:asset')
  @Public()
  @Endpoint({ summary: 'API reference assets', params: AssetParams })
  asset(@Param() p: z.infer<typeof AssetParams>, @Res() reply: FastifyReply): void {
    if (p.asset === 'docs-init.js') {
      void reply.header('content-type', 'application/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(DOCS_INIT);
      return;
    }
    const type = ASSETS.get(p.asset);
    if (!type) throw AppException.notFound();
    void reply.header('content-type', type).header('cache-control', 'public, max-age=86400').send(fs.createReadStream(path.join(this.uiDir, p.asset)));
  }
}
