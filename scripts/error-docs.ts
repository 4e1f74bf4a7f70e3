/**
 * Renders docs/errors.md: the error catalog in @cart/core (code, status, title, message,
 * cause, fix, retry) with the operations that answer each code, as the served OpenAPI
 * document declares them. The rendering is the server's (http/error-reference.ts), so
 * that the page at `/docs/errors` and this file say the same; the writing is done by
 * scripts/gen-error-docs.ts, and packages/server/src/routes/error-docs.test.ts fails
 * when the committed page is not what this renders.
 */
import { renderErrorMarkdown } from '../packages/server/src/http/error-reference.ts';
import { servedOpenApiDocument } from './openapi-document.ts';

export {
  errorAnchor,
  errorEndpoints,
  renderErrorMarkdown,
} from '../packages/server/src/http/error-reference.ts';

/** The whole of docs/errors.md, from the document the server serves (builds the app). */
export async function renderErrorDocs(): Promise<string> {
  return renderErrorMarkdown(await servedOpenApiDocument());
}
