export { OPENAPI_SOURCE_PATH, DOCS_OUTPUT_DIR, loadOpenApiDocument } from './openapi-document';
export type { OpenApiDocument } from './openapi-document';
export { DOCS_ROUTES, renderDocsPage } from './docs-page';
