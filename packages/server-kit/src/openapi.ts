import { Controller, Get, Injectable, Module, NotFoundException } from '@nestjs/common';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { RequireAction } from './actions.js';

/** Holds the OpenAPI document generated once the application's routes are known. */
@Injectable()
export class OpenApiDocumentHolder {
  document: OpenAPIObject | undefined;
}

/** Serves the OpenAPI document at `GET /api/docs`, through the same action guard as every route. */
@ApiExcludeController()
@Controller('api/docs')
export class OpenApiController {
  constructor(private readonly holder: OpenApiDocumentHolder) {}

  @Get()
  @RequireAction('system.docs')
  document(): OpenAPIObject {
    if (!this.holder.document)
      throw new NotFoundException({ code: 'NOT_FOUND', message: 'no OpenAPI document' });
    return this.holder.document;
  }
}

@Module({
  controllers: [OpenApiController],
  providers: [OpenApiDocumentHolder],
  exports: [OpenApiDocumentHolder],
})
export class OpenApiModule {}
