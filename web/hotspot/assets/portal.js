/*
 * Lango captive portal (served at /hotspot): completes the login on the router the customer's
 * browser is behind. Lango never sees the password on this path: the browser posts straight to
 * the router's login URL, and with HTTP-CHAP it posts only
 * MD5(chap-id | password | chap-challenge) in hex, as RouterOS's own login.html does.
 * Plain ES5 so that old Android browsers run it; md5() comes from md5-lite.min.js (js-md5, MIT).
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

  function login(form, username, password) {
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
    var button = form.querySelector('button');
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

  // The inputs are read by id: with HTTP-CHAP they carry no names, so nothing typed is ever
  // submitted as it is.
  onSubmit('voucher', function (form) {
    // Voucher codes are upper case (src/hotspot/codes.ts); phones type what they like.
    var code = value('code').replace(/\s+/g, '').toUpperCase();
    if (!code) return;
    login(form, code, data('voucher-password') === 'code' ? code : '');
  });

  onSubmit('account', function (form) {
    var username = value('username').replace(/^\s+|\s+$/g, '');
    if (!username) return;
    login(form, username, value('password'));
  });

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
