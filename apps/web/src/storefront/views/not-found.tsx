import { Link } from '../../shared/link.tsx';
import { pathOf } from '../routes.ts';

/** A path the storefront does not know, or a product that is not in the catalogue. */
export function NotFound({ what = 'page' }: { what?: 'page' | 'product' | 'order' }) {
  return (
    <section className="not-found" aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {what === 'product'
          ? 'We could not find that product'
          : what === 'order'
            ? 'We could not find that order'
            : 'We could not find that page'}
      </h1>
      <p>
        It may have been removed, or the link may be mistyped.{' '}
        <Link to={pathOf({ view: 'home' })}>Browse all products</Link>.
      </p>
    </section>
  );
}
