import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { WhoAmI } from '../view/types.ts';
import { login, logout, whoAmI, type Session } from './api.ts';
import { RolloutPage } from './detail.tsx';
import { GroupList, GroupPage } from './groups.tsx';
import { RolloutList } from './list.tsx';
import { onLinkClick, useLocation } from './router.ts';

function LoginForm({ onDone }: { onDone: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    const result = await login(token);
    if (result.ok) onDone();
    else setError(result.message);
  };
  return (
    <form class="card login" onSubmit={(e) => void submit(e)}>
      <h2>Sign in</h2>
      <p class="muted">
        Paste a Kubernetes bearer token (an OIDC ID token or a ServiceAccount token). The dashboard checks it
        with a TokenReview and then acts as you: what you see and may do is what your RBAC allows.
      </p>
      <textarea
        name="token"
        rows={4}
        placeholder="eyJhbGciOi…"
        value={token}
        onInput={(e) => {
          setToken(e.currentTarget.value);
        }}
      />
      {error && <p class="error">{error}</p>}
      <button class="btn primary" type="submit" disabled={!token.trim()}>
        Sign in
      </button>
    </form>
  );
}

/** Which page the URL names: a Rollout, a RolloutGroup, the groups, or the Rollouts. */
function route(url: URL) {
  const match = (re: RegExp) => {
    const m = re.exec(url.pathname);
    return m
      ? { namespace: decodeURIComponent(m[1] ?? ''), name: decodeURIComponent(m[2] ?? '') }
      : undefined;
  };
  const rollout = match(/^\/rollouts\/([^/]+)\/([^/]+)$/);
  const group = match(/^\/groups\/([^/]+)\/([^/]+)$/);
  return {
    rollout,
    group,
    groups: group !== undefined || url.pathname === '/groups',
    open: rollout ?? group,
  };
}

function Page({ url, who }: { url: URL; who: WhoAmI }) {
  const { rollout, group, groups } = route(url);
  const namespace = url.searchParams.get('namespace') ?? '';
  if (rollout) return <RolloutPage who={who} {...rollout} />;
  if (group) return <GroupPage who={who} {...group} />;
  if (groups) return <GroupList namespace={namespace} />;
  return <RolloutList namespace={namespace} phase={url.searchParams.get('phase') ?? ''} />;
}

function App() {
  const url = useLocation();
  const [session, setSession] = useState<Session | undefined>();
  const [error, setError] = useState('');
  const refresh = () => {
    whoAmI().then(setSession, (err: unknown) => {
      setError(String(err));
    });
  };
  useEffect(refresh, []);
  const { groups, open } = route(url);
  return (
    <div class="app" onClick={onLinkClick}>
      <header class="topbar">
        <a class="brand" href="/">
          <span class="logo" aria-hidden="true" />
          Bellwether
        </a>
        <nav class="crumbs">
          <a href="/" class={groups ? '' : 'here'}>
            Rollouts
          </a>
          <a href="/groups" class={groups ? 'here' : ''}>
            Groups
          </a>
          {open && (
            <>
              <span class="sep">/</span>
              <span>{open.namespace}</span>
              <span class="sep">/</span>
              <strong>{open.name}</strong>
            </>
          )}
        </nav>
        <div class="who">
          {session?.state === 'signed-in' && (
            <>
              <span class="user" title={session.who.groups.join(', ')}>
                {session.who.username}
              </span>
              {session.who.via === 'session' && (
                <button
                  class="btn ghost small"
                  onClick={() => {
                    void logout().then(refresh);
                  }}
                >
                  Sign out
                </button>
              )}
            </>
          )}
        </div>
      </header>
      <main>
        {error && <p class="error">{error}</p>}
        {session?.state === 'signed-out' &&
          (session.canLogin ? <LoginForm onDone={refresh} /> : <p class="error">Not authenticated.</p>)}
        {session?.state === 'signed-in' && <Page url={url} who={session.who} />}
      </main>
    </div>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
