import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, signIn } from './api.ts';

/** The sign-in screen: the admin token, traded for a session cookie. */
export function Login({ notice, onSignedIn }: { notice?: string; onSignedIn: () => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const tokenId = useId();
  const hintId = useId();
  const errorId = useId();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const token = input.current?.value ?? '';
    if (token === '') {
      setError('Enter the admin token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token);
      onSignedIn();
    } catch (e) {
      const message =
        e instanceof ApiError && e.status === 401
          ? "That admin token is not right. Use the server's ADMIN_TOKEN (or, when it was started at a terminal without one, the token it printed there) and try again."
          : e instanceof Error
            ? e.message
            : String(e);
      setError(message);
      input.current?.select();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)} noValidate>
        <h1>Cart monitoring</h1>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        {/* For password managers: the token belongs to the one admin "user". */}
        <input type="text" name="username" autoComplete="username" value="admin" readOnly hidden />
        <label htmlFor={tokenId}>Admin token</label>
        <input
          ref={input}
          id={tokenId}
          name="token"
          type="password"
          autoComplete="current-password"
          autoFocus
          required
          aria-describedby={error ? `${hintId} ${errorId}` : hintId}
          aria-invalid={error ? true : undefined}
        />
        <p id={hintId} className="hint">
          The server&apos;s <code>ADMIN_TOKEN</code>. Signing in keeps you in for up to 8 hours.
        </p>
        {error ? (
          <p id={errorId} className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
