import type { Type } from '@nestjs/common';
import { buildOpenApi } from './openapi';

/** The OpenAPI document, built once on first request from the registered feature modules. */
export class OpenApiDocument {
  private cached: Record<string, unknown> | undefined;

  constructor(
    private readonly modules: Type[],
    private readonly version: string,
  ) {}

  get(): Record<string, unknown> {
    return (this.cached ??= buildOpenApi(this.modules, this.version));
  }
}
