import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from '../../config/app-config';

export const API_DESCRIPTION = `Multi-tenant WhatsApp messaging API.

Sign in with \`POST /auth/login\` (tenant slug, username, password), then send the access token as
\`Authorization: Bearer <token>\`. Every resource belongs to the caller's tenant: another tenant's id answers 404.
Errors share one shape: \`{statusCode, message, error, requestId}\`; validation errors list one message per field.`;

/** The OpenAPI document. Deterministic (no host, port or time in it), so it can be committed and diffed. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('WhatsApp Service API')
    .setDescription(API_DESCRIPTION)
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
}

export function setupSwagger(app: INestApplication, _config: AppConfig): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
