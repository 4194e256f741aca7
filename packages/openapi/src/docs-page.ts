/** Where the edge serves the document, the reference page and the renderer's bundle. */
export const DOCS_ROUTES = {
  document: '/openapi.json',
  page: '/docs',
  bundle: '/docs/redoc.standalone.js',
} as const;

/**
 * The reference page: Redoc's standalone bundle, served by the edge next to the page, renders the
 * document from `/openapi.json`. The `<redoc>` element starts it, so the page needs no inline script
 * and nothing from another origin.
 */
export function renderDocsPage(title: string): string {
  const escaped = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escaped} reference</title>
    <style>
      body { margin: 0; padding: 0; }
    </style>
  </head>
  <body>
    <redoc spec-url="${DOCS_ROUTES.document}" expand-responses="200,201" path-in-middle-panel="true" sort-required-props-first="true"></redoc>
    <script src="${DOCS_ROUTES.bundle}"></script>
  </body>
</html>
`;
}
