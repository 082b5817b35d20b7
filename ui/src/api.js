// Calls to the server's /api/v1. The bearer token (when the server asks for one) is kept in localStorage and sent with
// every call. Before the first call, ensureToken() reads /api/v1/server (open without a token) and, when reads need the
// token, asks for it until the server accepts it, so no call gets a 401; a 401 later (the token changed) asks again.

const TOKEN_KEY = 'repro.token';

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
  }
}

export function token() {
  return localStorage.getItem(TOKEN_KEY) || '';
}

function headers() {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

let asking = null;

/** Shows the token dialog and resolves once a token was saved. */
export function askForToken(message) {
  if (asking) return asking;
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  const error = document.getElementById('token-error');
  error.hidden = !message;
  error.textContent = message || '';
  input.value = '';
  asking = new Promise((resolve) => {
    dialog.addEventListener('close', function onClose() {
      dialog.removeEventListener('close', onClose);
      asking = null;
      if (input.value) localStorage.setItem(TOKEN_KEY, input.value.trim());
      resolve();
    });
  });
  dialog.showModal();
  return asking;
}

/** GET /api/v1/server: version, whether reads and writes need the token, and whether the stored one is accepted. */
export async function serverInfo() {
  const response = await fetch('/api/v1/server', { headers: { Accept: 'application/json', ...headers() } });
  if (!response.ok) throw await problem(response);
  return response.json();
}

/**
 * Asks for the token before the page's first API call when the server protects reads and does not accept the stored
 * token (or none is stored). Gives up after three tries; the calls then fail with the server's message.
 */
export async function ensureToken() {
  let info;
  try {
    info = await serverInfo();
  } catch {
    return null; // the calls themselves will say what is wrong
  }
  for (let attempt = 0; info.tokenRequiredForReads && info.tokenAccepted !== true && attempt < 3; attempt++) {
    await askForToken(token() ? 'That token was not accepted. Try again.' : '');
    info = await serverInfo();
  }
  return info;
}

async function request(path, params, as) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
  }
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { headers: { Accept: 'application/json', ...headers() } });
    if (response.status === 401 && attempt < 3) {
      await askForToken(attempt > 0 || token() ? 'That token was not accepted. Try again.' : '');
      continue;
    }
    if (!response.ok) throw await problem(response);
    if (as === 'text') return response.text();
    if (as === 'blob') return response.blob();
    return response.json();
  }
}

async function problem(response) {
  let code = 'http_' + response.status;
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    code = body.code || body.error_code || code;
    detail = body.detail || body.message || detail;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, code, detail);
}

/** GET /api/v1/... as JSON. */
export const getJson = (path, params) => request(path, params, 'json');

/** GET as text (logs, diffs); null when the server says 404. */
export async function getText(path, params) {
  try {
    return await request(path, params, 'text');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/** Downloads a file with the token (links cannot send headers). */
export async function download(path, name) {
  const blob = await request(path, {}, 'blob');
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
