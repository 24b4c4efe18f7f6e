/*
 * Lango captive portal (served at /hotspot): completes the login on the router the customer's
 * browser is behind. Lango never sees the password on this path: the browser posts straight to
 * the router's login URL, and with HTTP-CHAP it posts only
 * MD5(chap-id | password | chap-challenge) in hex, as RouterOS's own login.html does.
 * A package bought on the page logs in the same way, with the code Lango sold (it is also sent
 * by SMS). Plain ES5 so that old Android browsers run it; md5() comes from md5-lite.min.js
 * (js-md5, MIT).
 */
(function () {
  'use strict';
  var main = document.getElementById('portal');
  if (!main || !main.getAttribute('data-login')) return;

  function data(name) {
    return main.getAttribute('data-' + name) || '';
  }

  function hexBytes(hex) {
    var out = [];
    for (var i = 0; i + 1 < hex.length; i += 2) out.push(parseInt(hex.substr(i, 2), 16));
    return out;
  }

  // The router hashes the password as bytes; a non-ASCII password is hashed as its UTF-8 bytes.
  function utf8Bytes(text) {
    var binary = unescape(encodeURIComponent(text));
    var out = [];
    for (var i = 0; i < binary.length; i++) out.push(binary.charCodeAt(i));
    return out;
  }

  function chapResponse(password) {
    return md5(hexBytes(data('chap-id')).concat(utf8Bytes(password), hexBytes(data('chap-challenge'))));
  }

  // Posts the login to the router, as RouterOS's own login page would; `button` shows progress.
  function login(button, username, password) {
    var post = document.createElement('form');
    post.method = 'post';
    post.action = data('login');
    var fields = { username: username, password: data('chap-id') ? chapResponse(password) : password, dst: data('dst') };
    for (var name in fields) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = fields[name];
      post.appendChild(input);
    }
    button.disabled = true;
    button.setAttribute('data-label', button.textContent);
    button.textContent = data('connecting');
    document.body.appendChild(post);
    post.submit();
  }

  function onSubmit(id, handler) {
    var form = document.getElementById(id);
    if (!form) return;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      handler(form);
    });
  }

  function value(id) {
    return document.getElementById(id).value;
  }

  // The attribute, not the property: old Android browsers do not know `hidden` as a property.
  function hide(element, hidden) {
    if (hidden) element.setAttribute('hidden', '');
    else element.removeAttribute('hidden');
  }

  // JSON to and from Lango; `done(status, answer)` gets status 0 and no answer when the network failed.
  function request(method, url, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.timeout = 20000;
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) return;
      var answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch (e) {}
      done(xhr.status, answer);
    };
    if (body) xhr.setRequestHeader('content-type', 'application/json');
    xhr.send(body ? JSON.stringify(body) : null);
  }

  // The inputs are read by id: with HTTP-CHAP they carry no names, so nothing typed is ever
  // submitted as it is.
  onSubmit('voucher', function (form) {
    // Voucher codes are upper case (src/hotspot/codes.ts); phones type what they like.
    var code = value('code').replace(/\s+/g, '').toUpperCase();
    if (!code) return;
    login(form.querySelector('button'), code, data('voucher-password') === 'code' ? code : '');
  });

  onSubmit('account', function (form) {
    var username = value('username').replace(/^\s+|\s+$/g, '');
    if (!username) return;
    login(form.querySelector('button'), username, value('password'));
  });

  // Buying a package: post the phone number, poll the purchase every 2 s, and once paid show
  // the code and log in with it exactly as the voucher form does (username = password = code).
  var buy = document.getElementById('buy');
  if (buy) {
    var POLL_MS = 2000;
    var GIVE_UP_MS = 180000;
    var lang = document.documentElement.lang;
    var packages = document.getElementById('packages');
    var form = document.getElementById('pay-form');
    var pay = document.getElementById('pay');
    var payMessage = document.getElementById('pay-message');
    var payCode = document.getElementById('pay-code');
    var retry = document.getElementById('pay-retry');
    var t = function (name) {
      return buy.getAttribute('data-t-' + name) || '';
    };
    var show = function (message, code, canRetry) {
      hide(packages, true);
      hide(pay, false);
      payMessage.textContent = message;
      payCode.textContent = code || '';
      hide(payCode, !code);
      hide(retry, !canRetry);
      if (canRetry) retry.focus();
    };

    var poll = function (key, startedAt) {
      request('GET', buy.getAttribute('data-buy') + '/' + encodeURIComponent(key) + '?lang=' + lang, null, function (status, answer) {
        if (answer && answer.state === 'paid') {
          show(answer.message, answer.code, false);
          // A moment to read the code (the SMS has it too), then online.
          setTimeout(function () {
            payMessage.textContent = data('connecting');
            login(form.querySelector('button'), answer.code, answer.password);
          }, 1500);
        } else if (answer && answer.state === 'failed') {
          show(answer.message, '', true);
        } else if (status === 404) {
          show((answer && answer.error) || t('failed'), '', true);
        } else if (new Date().getTime() - startedAt > GIVE_UP_MS) {
          show(t('gave-up'), '', true);
        } else {
          // Pending, or the network hiccupped: ask again.
          setTimeout(function () {
            poll(key, startedAt);
          }, POLL_MS);
        }
      });
    };

    // One phone form, moved into whichever package is opened (the others close).
    var choices = packages.querySelectorAll('details');
    for (var i = 0; i < choices.length; i++) {
      choices[i].querySelector('summary').addEventListener('click', function (event) {
        var chosen = event.currentTarget.parentNode;
        for (var j = 0; j < choices.length; j++) if (choices[j] !== chosen) choices[j].removeAttribute('open');
        chosen.appendChild(form);
        form.querySelector('button').textContent = chosen.getAttribute('data-pay');
      });
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var phone = value('phone').replace(/^\s+|\s+$/g, '');
      if (!phone) return;
      show(t('sending'), '', false);
      request('POST', buy.getAttribute('data-buy'), { planId: form.parentNode.getAttribute('data-plan'), phone: phone, lang: lang }, function (status, answer) {
        if (status === 200 && answer && answer.key) {
          show(answer.message, '', false);
          poll(answer.key, new Date().getTime());
        } else {
          show((answer && answer.error) || t('network'), '', true);
        }
      });
    });

    retry.addEventListener('click', function () {
      hide(pay, true);
      hide(packages, false);
    });
    hide(buy, false);
  }

  // "I paid but I'm not online": post the receipt code or phone number; while the provider is
  // asked, poll the lookup every 2 s; a code found is shown, then logged in with as a voucher.
  var paid = document.getElementById('paid');
  if (paid) {
    var PAID_POLL_MS = 2000;
    var PAID_GIVE_UP_MS = 90000;
    var paidForm = document.getElementById('paid-form');
    var paidButton = paidForm.querySelector('button');
    var paidResult = document.getElementById('paid-result');
    var paidMessage = document.getElementById('paid-message');
    var paidVoucher = document.getElementById('paid-voucher');
    var paidLang = document.documentElement.lang;
    var pt = function (name) {
      return paid.getAttribute('data-t-' + name) || '';
    };
    var tell = function (message, code) {
      hide(paidResult, false);
      paidMessage.textContent = message;
      paidVoucher.textContent = code || '';
      hide(paidVoucher, !code);
    };
    var settle = function (status, answer, startedAt) {
      if (answer && answer.state === 'paid') {
        tell(answer.message, answer.code);
        setTimeout(function () {
          paidMessage.textContent = data('connecting');
          login(paidButton, answer.code, answer.password);
        }, 1500);
      } else if (answer && answer.state === 'pending' && answer.key) {
        tell(answer.message, '');
        if (new Date().getTime() - startedAt > PAID_GIVE_UP_MS) {
          tell(pt('waiting'), '');
          paidButton.disabled = false;
          return;
        }
        setTimeout(function () {
          request('GET', paid.getAttribute('data-paid') + '/' + encodeURIComponent(answer.key) + '?lang=' + paidLang, null, function (nextStatus, next) {
            // A network hiccup while polling: keep the key and ask again.
            settle(nextStatus, next || (nextStatus === 0 ? answer : null), startedAt);
          });
        }, PAID_POLL_MS);
      } else {
        tell((answer && (answer.message || answer.error)) || pt('network'), '');
        paidButton.disabled = false;
      }
    };
    paidForm.addEventListener('submit', function (event) {
      event.preventDefault();
      var typed = value('paid-code').replace(/^\s+|\s+$/g, '');
      if (!typed) return;
      paidButton.disabled = true;
      tell(pt('checking'), '');
      request('POST', paid.getAttribute('data-paid'), { code: typed, mac: paid.getAttribute('data-mac') || '', lang: paidLang }, function (status, answer) {
        settle(status, answer, new Date().getTime());
      });
    });
    hide(paid, false);
  }

  // Coming back with the Back button shows the page from the cache: make the buttons usable again.
  window.addEventListener('pageshow', function () {
    var buttons = main.querySelectorAll('button[data-label]');
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = false;
      buttons[i].textContent = buttons[i].getAttribute('data-label');
      buttons[i].removeAttribute('data-label');
    }
  });
})();
