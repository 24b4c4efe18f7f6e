// Lango's page script for bad links, on the staff pages and the portal (served by
// src/web/offline.ts): registers the area's service worker (sw.js), shows "offline, as of
// HH:MM" on a page the worker answered from its copy, and keeps a form marked data-queue on
// this device (IndexedDB) when it cannot be sent, with an idempotency key (_key) made when it
// was submitted; the form is sent again with the same key when the link returns (the `online`
// event, or the next page load), so the server carries it out once. The texts come with the
// page (#offline's data-*), in its language. Without script, forms post as usual.
(function () {
  'use strict';
  var box = document.getElementById('offline');
  if (!box) return;
  var texts = box.dataset;
  var scope = new URL(texts.scope, location.href).href;
  var live = !document.documentElement.hasAttribute('data-offline-at');

  if ('serviceWorker' in navigator) navigator.serviceWorker.register(texts.sw, { scope: texts.scope }).catch(function () {});

  function hhmm(ms) {
    return new Date(ms).toLocaleTimeString(document.documentElement.lang === 'ar' ? 'ar-u-nu-latn' : 'en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? values[name] : all;
    });
  }
  /** A line in the page's status box (re-found each time: a sent form's answer replaces the body). */
  function say(text, kind, id) {
    var target = document.getElementById('offline');
    var line = (id && document.getElementById(id)) || document.createElement('p');
    if (id) line.id = id;
    line.className = kind;
    line.textContent = text;
    target.appendChild(line);
    target.hidden = false;
  }

  // What the page shows dates from when the worker kept its copy, or else from this load.
  var shownAt = live ? Date.now() : Number(document.documentElement.getAttribute('data-offline-at'));
  function banner() {
    say(fill(texts.banner, { time: hhmm(shownAt) }), 'warn', 'offline-banner');
  }
  if (!live) banner();
  window.addEventListener('offline', banner);

  // The queue: one IndexedDB store of forms, keyed by their idempotency key.
  function store(mode, work) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open('lango-offline', 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore('forms', { keyPath: 'key' });
      };
      open.onerror = function () {
        reject(open.error);
      };
      open.onsuccess = function () {
        var db = open.result;
        var tx = db.transaction('forms', mode);
        var request = work(tx.objectStore('forms'));
        tx.oncomplete = function () {
          db.close();
          resolve(request.result);
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
      };
    });
  }
  function queued() {
    return store('readonly', function (forms) {
      return forms.getAll();
    }).then(function (all) {
      return all.filter(function (item) {
        return item.scope === scope;
      });
    });
  }
  function forget(item) {
    return store('readwrite', function (forms) {
      return forms.delete(item.key);
    });
  }

  function send(item) {
    return fetch(item.action, { method: 'POST', body: item.body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, credentials: 'same-origin' }).then(function (response) {
      return response.text().then(function (html) {
        return { response: response, page: new DOMParser().parseFromString(html, 'text/html') };
      });
    });
  }
  function textOf(page, selector) {
    var node = page.querySelector(selector);
    return node ? node.textContent.replace(/\s+/g, ' ').trim() : '';
  }

  /** Sends the forms waiting on this device, one at a time, and says how each went. */
  function flush() {
    if (!navigator.onLine) return Promise.resolve();
    var run = function () {
      return queued().then(function (items) {
        return items.reduce(function (chain, item) {
          return chain.then(function () {
            return sendQueued(item);
          });
        }, Promise.resolve());
      });
    };
    // Two open pages must not send the same form side by side (the key would save it, but the report would come twice).
    return (navigator.locks ? navigator.locks.request('lango-offline', run) : run()).catch(function () {});
  }
  function sendQueued(item) {
    var values = { form: item.title, time: hhmm(item.at) };
    return send(item).then(function (answer) {
      var response = answer.response;
      if (response.status >= 500) return;
      var signIn = new URL(response.url).pathname === new URL(scope).pathname + 'sign-in';
      return forget(item).then(function () {
        if (response.ok && !signIn) {
          say(fill(texts.sent, values), 'notice');
          var outcome = textOf(answer.page, 'main [role=status]');
          if (outcome) say(outcome, 'notice');
        } else {
          var reason = signIn ? texts.signedOut : textOf(answer.page, 'main [role=alert]') || texts.unknownReason;
          say(fill(texts.refused, Object.assign(values, { reason: reason })), 'error');
        }
      });
    }, function () {
      // The link is still down: the form stays for the next try.
    });
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    // Attributes and the prototype's methods, not form.method or form.reset: a field may be named so.
    if (!form.hasAttribute('data-queue') || (form.getAttribute('method') || '').toLowerCase() !== 'post') return;
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    body.set('_key', crypto.randomUUID());
    var item = { key: body.get('_key'), scope: scope, action: new URL(form.getAttribute('action') || '', location.href).href, body: body.toString(), title: document.title.split(' · ')[0], at: Date.now() };
    var button = form.querySelector('[type=submit]');
    if (button) button.disabled = true;
    var save = store('readwrite', function (forms) {
      return forms.put(item);
    });
    save.then(function () {
      if (!navigator.onLine) throw new Error('offline');
      return send(item);
    }).then(function (answer) {
      return forget(item).then(function () {
        if (answer.response.redirected) return location.replace(answer.response.url);
        document.title = answer.page.title;
        document.body.replaceWith(document.adoptNode(answer.page.body));
        scrollTo(0, 0);
      });
    }, function () {
      save.then(function () {
        // Kept on this device: the form is cleared for the next one.
        HTMLFormElement.prototype.reset.call(form);
        if (button) button.disabled = false;
        say(texts.queued, 'warn');
      }, function () {
        // No storage here (a private window): the form goes the ordinary way, with its key.
        var key = document.createElement('input');
        key.type = 'hidden';
        key.name = '_key';
        key.value = item.key;
        form.appendChild(key);
        HTMLFormElement.prototype.submit.call(form);
      });
    });
  });

  window.addEventListener('online', function () {
    // A live page is current again; a kept copy stays as old as it was until it is reloaded.
    var line = document.getElementById('offline-banner');
    if (live && line) line.remove();
    flush();
  });
  queued().then(function (items) {
    if (items.length > 0 && !navigator.onLine) say(fill(texts.waiting, { count: items.length }), 'warn');
    return flush();
  }).catch(function () {});
})();
