// Lango's page script for bad links, on the staff pages and the portal (served by
// src/web/offline.ts): registers the area's service worker (sw.js), shows "offline, as of
// HH:MM" on a page the worker answered from its copy, and keeps a form marked data-queue on
// this device (IndexedDB) when it cannot be sent, with an idempotency key (_key) made when it
// was submitted and the name of who filled it; the form is sent again with the same key when
// the link returns (the `online` event, or the next page load) and its owner is signed in, so
// the server carries it out once. A form that cannot go is shown with what it holds, never
// dropped unseen. The texts come with the page (#offline's data-*), in its language. Without
// script, or if anything here fails, forms post as usual.
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

  // A kept copy carries the day it was saved in its date fields marked data-today: a form filled
  // from it the next morning must not be backdated, nor be unable to choose today.
  if (!live) {
    var now = new Date();
    var today = [now.getFullYear(), now.getMonth() + 1, now.getDate()].map(function (part, i) {
      return i === 0 ? String(part) : ('0' + part).slice(-2);
    }).join('-');
    Array.prototype.forEach.call(document.querySelectorAll('input[type=date][data-today]'), function (input) {
      input.max = today;
      input.value = today;
      input.defaultValue = today;
    });
  }
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

  /** Who is signed in on the page shown now (none on sign-in pages), and its form token. */
  function userOf(page) {
    var node = page.getElementById('offline');
    return (node && node.getAttribute('data-user')) || '';
  }
  function tokenOf(page) {
    var input = page.querySelector('input[name=_csrf]');
    return input ? input.value : '';
  }

  function send(action, body) {
    return fetch(action, { method: 'POST', body: body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, credentials: 'same-origin' }).then(function (response) {
      return response.text().then(function (html) {
        return { response: response, page: new DOMParser().parseFromString(html, 'text/html') };
      });
    });
  }
  function clean(text) {
    return (text || '').replace(/\s+/g, ' ').trim();
  }
  function textOf(page, selector) {
    var node = page.querySelector(selector);
    return node ? clean(node.textContent) : '';
  }

  /**
   * What the form holds, as "label: value" pairs read off the page when it was submitted, so that
   * a form that cannot be sent is shown rather than lost. Hidden fields and passwords are left out.
   */
  function fieldsOf(form) {
    // The prototype's getter, not form.elements: a field may be named so.
    var elements = Object.getOwnPropertyDescriptor(HTMLFormElement.prototype, 'elements').get.call(form);
    var fields = [];
    Array.prototype.forEach.call(elements, function (field) {
      var type = (field.getAttribute('type') || field.tagName).toLowerCase();
      var name = field.getAttribute('name') || '';
      if (!name || name.charAt(0) === '_' || field.disabled || /^(hidden|password|submit|button|reset|file|image|fieldset)$/.test(type)) return;
      var label = field.labels && field.labels[0] ? clean(field.labels[0].textContent) : name;
      var value = field.value;
      if (type === 'radio' || type === 'checkbox') {
        if (!field.checked) return;
        var legend = field.closest('fieldset') && field.closest('fieldset').querySelector('legend');
        value = label;
        label = legend ? clean(legend.textContent) : name;
      } else if (type === 'select') value = Array.prototype.map.call(field.selectedOptions, function (option) {
        return clean(option.textContent);
      }).join(', ');
      if (value) fields.push(label + ': ' + value);
    });
    return fields;
  }
  /** A form that was not sent now: why (its own line), then what it holds. */
  function report(item, text, kind) {
    say(text, kind, 'offline-about-' + item.key);
    if (item.fields && item.fields.length > 0) say(fill(texts.held, { fields: item.fields.join('; ') }), kind, 'offline-held-' + item.key);
  }
  function unreport(item) {
    ['offline-about-', 'offline-held-'].forEach(function (id) {
      var line = document.getElementById(id + item.key);
      if (line) line.remove();
    });
  }
  /** Kept for its owner: sent only while the person who filled it is signed in on this device. */
  function keptFor(item) {
    report(item, fill(texts.keptFor, { form: item.title, time: hhmm(item.at), user: item.user }), 'warn');
  }

  /** Sends the forms waiting on this device, one at a time, and says how each went. */
  function flush() {
    // A kept copy's form token may be old: its forms go from the next live page.
    if (!live || !navigator.onLine) return Promise.resolve();
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
    // Never from a sign-in page, nor in someone else's session: the form waits for its owner.
    var user = userOf(document);
    if (!user || user !== item.user) return Promise.resolve(keptFor(item));
    // The token of the session now (the one saved with the form may have ended); the server
    // still checks the key belongs to the same person.
    var body = new URLSearchParams(item.body);
    body.set('_csrf', tokenOf(document));
    var values = { form: item.title, time: hhmm(item.at) };
    return send(item.action, body.toString()).then(function (answer) {
      var response = answer.response;
      if (response.status >= 500) return;
      // Signed out meanwhile (sent to the sign-in page), or someone else signed in here (the
      // form token refused): not a refusal of the form itself, which waits for its owner.
      if (userOf(answer.page) !== item.user) return keptFor(item);
      return forget(item).then(function () {
        unreport(item);
        if (response.ok) {
          say(fill(texts.sent, values), 'notice');
          var outcome = textOf(answer.page, 'main [role=status]');
          if (outcome) say(outcome, 'notice');
        } else {
          var reason = textOf(answer.page, 'main [role=alert]') || texts.unknownReason;
          report(item, fill(texts.refused, Object.assign(values, { reason: reason })), 'error');
        }
      });
    }, function () {
      // The link is still down: the form stays for the next try.
    });
  }

  /** A random idempotency key shaped like a UUID (crypto.randomUUID is missing over plain http). */
  function newKey() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (byte) {
      return (byte + 0x100).toString(16).slice(1);
    }).join('');
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
  }

  /** The ordinary way, with the key, when the script cannot carry the form itself. */
  function submitPlainly(form, key) {
    var field = form.querySelector('input[type=hidden][name=_key]');
    if (!field) {
      field = document.createElement('input');
      field.type = 'hidden';
      field.name = '_key';
      form.appendChild(field);
    }
    field.value = key;
    HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    var item;
    try {
      // Attributes and the prototype's methods, not form.method or form.reset: a field may be named so.
      if (!form.hasAttribute('data-queue') || (form.getAttribute('method') || '').toLowerCase() !== 'post') return;
      // Only a signed-in page's forms: the form is sent later in its owner's session alone.
      var user = userOf(document);
      if (!user) return;
      var body = new URLSearchParams(new FormData(form));
      body.set('_key', newKey());
      item = { key: body.get('_key'), scope: scope, user: user, action: new URL(form.getAttribute('action') || '', location.href).href, body: body.toString(), title: document.title.split(' · ')[0], fields: fieldsOf(form), at: Date.now() };
    } catch (err) {
      // Not prevented: the browser sends the form the ordinary way.
      return;
    }
    event.preventDefault();
    var button = form.querySelector('[type=submit]');
    // Whatever goes wrong below, the form is sent the ordinary way rather than left dead.
    var fallBack = function () {
      if (button) button.disabled = false;
      submitPlainly(form, item.key);
    };
    try {
      if (button) button.disabled = true;
      var save = store('readwrite', function (forms) {
        return forms.put(item);
      });
      save.then(function () {
        if (!navigator.onLine) throw new Error('offline');
        return send(item.action, item.body);
      }).then(function (answer) {
        var show = function () {
          if (answer.response.redirected) return location.replace(answer.response.url);
          document.title = answer.page.title;
          document.body.replaceWith(document.adoptNode(answer.page.body));
          scrollTo(0, 0);
        };
        // Signed out meanwhile, or someone else signed in here: kept for its owner (the sign-in
        // page, or the next page, says so), and the answer shown as the browser would have.
        if (userOf(answer.page) !== item.user) {
          show();
          if (!answer.response.redirected) keptFor(item);
          return;
        }
        return forget(item).then(show);
      }, function () {
        return save.then(function () {
          // Kept on this device: the form is cleared for the next one.
          HTMLFormElement.prototype.reset.call(form);
          if (button) button.disabled = false;
          say(texts.queued, 'warn');
        }, fallBack);
      }).catch(fallBack);
    } catch (err) {
      fallBack();
    }
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
