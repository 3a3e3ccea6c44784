/**
 * The web-mode token: `hearth serve` prints `http://127.0.0.1:PORT/#token=...` (a fragment is
 * never sent to a server nor put in a Referer). Read it once, keep it in sessionStorage for
 * reloads of this tab, and take it out of the address bar so it is not bookmarked or shared.
 */
const STORAGE_KEY = 'hearth.token';

export interface TokenEnvironment {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>;
  history: Pick<History, 'replaceState' | 'state'>;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
}

export function takeTokenFromUrl(env: TokenEnvironment): string | null {
  const match = /^#token=([A-Za-z0-9_\-.~%]+)/.exec(env.location.hash);
  if (match?.[1]) {
    const token = decodeURIComponent(match[1]);
    env.storage.setItem(STORAGE_KEY, token);
    env.history.replaceState(env.history.state, '', `${env.location.pathname}${env.location.search}#/`);
    return token;
  }
  return env.storage.getItem(STORAGE_KEY);
}
