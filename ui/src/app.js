// Picks the page from the URL. Every page route of the server answers with the same shell (index.html).
import { askForToken, ensureToken, token } from './api.js';
import { runsPage } from './runs.js';
import { runPage } from './run.js';
import { chartPage } from './chart.js';
import { comparePage } from './compare.js';
import { errorBox } from './dom.js';

const root = document.getElementById('app');
const path = location.pathname.replace(/\/+$/, '') || '/';
const nav = path === '/' || path === '/runs' ? 'runs' : path.startsWith('/runs/') ? 'runs' : path.slice(1);
document.querySelector(`[data-nav="${nav}"]`)?.classList.add('active');

const tokenButton = document.getElementById('token-button');
tokenButton.hidden = !token();
tokenButton.addEventListener('click', () => askForToken('').then(() => location.reload()));

async function route() {
  if (path === '/' || path === '/runs') return runsPage(root);
  if (path.startsWith('/runs/')) return runPage(root, decodeURIComponent(path.slice('/runs/'.length)));
  if (path === '/chart') return chartPage(root);
  if (path === '/compare') return comparePage(root);
  root.replaceChildren(errorBox(`No page at ${path}.`));
  return undefined;
}

// With --protect-reads, the token is asked for before the first API call rather than after a 401.
ensureToken().then(route).catch((e) => root.replaceChildren(errorBox(e))).finally(() => {
  document.body.dataset.loaded = '1';
  tokenButton.hidden = !token();
});
