// Lango's service worker for one page area (/staff/ or /portal/), served by src/web/offline.ts,
// which puts the name of its never-keep response header in front of this file as NO_KEEP.
// Pages: network first; a copy of each page kept so that, when the link drops, the last data
// shown stays readable (the page script then shows the "offline, as of HH:MM" banner). Files
// under assets/ are named by content: cache first. Never kept: anything but a 200 GET of HTML
// (so no POST answers, PDFs or redirects), pages the server marks with NO_KEEP (sign-in, and
// those showing a secret, a code or an SMS text), addresses carrying a token or code. Signing
// out or landing on the sign-in page empties the page copies: a counter PC is shared.

var SCOPE = self.registration.scope;
var BASE = new URL(SCOPE).pathname;
var PAGES = 'lango-pages:' + BASE;
var ASSETS = 'lango-assets:' + BASE;
// The page's own headers are kept with the copy (its CSP among them), not how it travelled.
var DROPPED = ['content-encoding', 'content-length', 'transfer-encoding', 'set-cookie'];
var MAX_PAGES = 40;
// Counts forget()s: a copy being written when the copies were emptied is not written after.
var generation = 0;

self.addEventListener('install', function () {
  self.skipWaiting();
});

self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});

function forget() {
  generation += 1;
  return caches.delete(PAGES);
}

function kept(url, response) {
  if (response.status !== 200 || response.type !== 'basic') return false;
  if (!/^text\/html/.test(response.headers.get('content-type') || '')) return false;
  if (/[?&](token|code|key|secret|show)=/i.test(url.search)) return false;
  return !response.headers.has(NO_KEEP);
}

function keep(request, response) {
  var started = generation;
  return response.blob().then(function (body) {
    var headers = new Headers();
    response.headers.forEach(function (value, name) {
      if (DROPPED.indexOf(name) < 0) headers.set(name, value);
    });
    headers.set('x-lango-saved-at', String(Date.now()));
    return caches.open(PAGES).then(function (cache) {
      // Checked just before writing: a forget() after this deletes the cache being written to.
      if (generation !== started) return;
      return cache.put(request.url, new Response(body, { status: 200, headers: headers })).then(function () {
        return cache.keys();
      }).then(function (requests) {
        // The most recent pages only (a phone's storage is small): entries are kept in the order written.
        return Promise.all(requests.slice(0, Math.max(0, requests.length - MAX_PAGES)).map(function (old) {
          return cache.delete(old);
        }));
      });
    });
  });
}

/** The kept copy, marked with when it was saved; the page script reads the mark. */
function fromCopy(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request.url);
  }).then(function (copy) {
    if (!copy) return Response.error();
    var savedAt = copy.headers.get('x-lango-saved-at') || '';
    return copy.text().then(function (html) {
      return new Response(html.replace('<html ', '<html data-offline-at="' + savedAt + '" '), { status: 200, headers: copy.headers });
    });
  });
}

function networkFirst(event, url) {
  return fetch(event.request).then(function (response) {
    if (kept(url, response)) event.waitUntil(keep(event.request, response.clone()));
    return response;
  }, function () {
    return fromCopy(event.request);
  });
}

function cacheFirst(event) {
  var request = event.request;
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          // An older version of the same file (another ?v=) is of no more use.
          event.waitUntil(cache.delete(request, { ignoreSearch: true }).then(function () {
            return cache.put(request, copy);
          }));
        }
        return response;
      });
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.url.indexOf(SCOPE) !== 0) return;
  var url = new URL(request.url);
  if (url.pathname === BASE + 'sign-out' || url.pathname === BASE + 'sign-in') event.waitUntil(forget());
  if (request.method !== 'GET') return;
  if (url.pathname.indexOf(BASE + 'assets/') === 0) event.respondWith(cacheFirst(event));
  else if (request.mode === 'navigate') event.respondWith(networkFirst(event, url));
});
