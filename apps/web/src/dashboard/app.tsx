import { useEffect, useState } from 'react';
import { Link } from '../shared/link.tsx';
import { hasSession, onUnauthorized, signOut } from './api.ts';
import { ErrorNotice, Skeleton } from './components/status.tsx';
import { Login } from './login.tsx';
import { pathOf, useRoute, type Route } from './routes.ts';
import { Alerts } from './views/alerts.tsx';
import { AnalyticsView } from './views/analytics.tsx';
import { Audit } from './views/audit.tsx';
import { AuditRecordView } from './views/audit-record.tsx';
import { ErrorDetail, ErrorsList } from './views/errors.tsx';
import { Overview } from './views/overview.tsx';
import { RegionEditor } from './views/region-editor.tsx';
import { Regions } from './views/regions.tsx';
import { ShippingOptionEditor } from './views/shipping-option-editor.tsx';

type Auth =
  | { state: 'checking' }
  | { state: 'unreachable'; error: Error }
  | { state: 'signed-out'; notice?: string }
  | { state: 'signed-in' };

const NAV: { to: string; label: string; views: Route['view'][] }[] = [
  { to: pathOf({ view: 'overview' }), label: 'Overview', views: ['overview'] },
  { to: pathOf({ view: 'errors' }), label: 'Errors', views: ['errors', 'error'] },
  { to: pathOf({ view: 'audit' }), label: 'Audit', views: ['audit', 'audit-record'] },
  { to: pathOf({ view: 'analytics' }), label: 'Analytics', views: ['analytics'] },
  { to: pathOf({ view: 'alerts' }), label: 'Alerts', views: ['alerts'] },
  {
    to: pathOf({ view: 'regions' }),
    label: 'Regions',
    views: ['regions', 'region-new', 'region', 'shipping-option-new', 'shipping-option'],
  },
];

const TITLES: Record<Route['view'], string> = {
  overview: 'Overview',
  errors: 'Errors',
  error: 'Error group',
  audit: 'Audit log',
  'audit-record': 'Audit record',
  analytics: 'Analytics',
  alerts: 'Alerts',
  regions: 'Regions and shipping',
  'region-new': 'New region',
  region: 'Region',
  'shipping-option-new': 'New shipping option',
  'shipping-option': 'Shipping option',
  'not-found': 'Not found',
};

/**
 * The dashboard: the sign-in screen until the browser holds an admin session, then the
 * views. Any 401 from the API (the session expired, was signed out elsewhere, or the
 * server's ADMIN_TOKEN changed) brings the sign-in screen back.
 */
export function App() {
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const [attempt, setAttempt] = useState(0);
  const route = useRoute();

  useEffect(() => {
    let live = true;
    hasSession().then(
      (ok) => live && setAuth(ok ? { state: 'signed-in' } : { state: 'signed-out' }),
      (error: unknown) => live && setAuth({ state: 'unreachable', error: error as Error }),
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  useEffect(() => {
    onUnauthorized(() =>
      setAuth((a) =>
        a.state === 'signed-in'
          ? { state: 'signed-out', notice: 'Your session has ended. Sign in again to continue.' }
          : a,
      ),
    );
    return () => onUnauthorized(null);
  }, []);

  useEffect(() => {
    document.title =
      auth.state === 'signed-in'
        ? `${TITLES[route.view]} · Cart monitoring`
        : 'Sign in · Cart monitoring';
  }, [auth.state, route.view]);

  if (auth.state === 'checking')
    return (
      <main className="login">
        <Skeleton rows={2} label="the dashboard" />
      </main>
    );
  if (auth.state === 'unreachable')
    return (
      <main className="login">
        <ErrorNotice
          error={auth.error}
          onRetry={() => setAttempt((n) => n + 1)}
          what="the dashboard"
        />
      </main>
    );
  if (auth.state === 'signed-out')
    return <Login notice={auth.notice} onSignedIn={() => setAuth({ state: 'signed-in' })} />;

  const leave = async () => {
    try {
      await signOut();
      setAuth({ state: 'signed-out', notice: 'You are signed out.' });
    } catch (error) {
      setAuth({ state: 'unreachable', error: error as Error });
    }
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Cart monitoring</span>
        <nav aria-label="Dashboard">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} current={item.views.includes(route.view)}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="sign-out" onClick={() => void leave()}>
          Sign out
        </button>
      </header>
      <main id="content" className="content" tabIndex={-1}>
        <View route={route} />
      </main>
    </div>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <Overview />;
    case 'errors':
      return <ErrorsList />;
    case 'error':
      return <ErrorDetail fingerprint={route.fingerprint} />;
    case 'audit':
      return <Audit />;
    case 'audit-record':
      return <AuditRecordView key={route.seq} seq={route.seq} />;
    case 'analytics':
      return <AnalyticsView />;
    case 'alerts':
      return <Alerts />;
    case 'regions':
      return <Regions />;
    case 'region-new':
      return <RegionEditor key="new" regionId={null} />;
    case 'region':
      return <RegionEditor key={route.regionId} regionId={route.regionId} />;
    case 'shipping-option-new':
      return (
        <ShippingOptionEditor
          key={`new:${route.regionId}`}
          optionId={null}
          regionId={route.regionId}
        />
      );
    case 'shipping-option':
      return (
        <ShippingOptionEditor key={route.optionId} optionId={route.optionId} regionId={null} />
      );
    case 'not-found':
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no such dashboard page.{' '}
            <Link to={pathOf({ view: 'overview' })}>Go to the overview</Link>.
          </p>
        </>
      );
  }
}
