// A router's live page: reads its live part (#live-now: state, interfaces, users) again every
// poll interval while the page is open and in view, and swaps it in. Only that part travels (a
// few kilobytes, not the charts), and never while someone is ticking a "Log off" box or has
// the focus in it. Signed out or refused: it stops and leaves the page as it is. Without script
// the "Read the router now" button does the same.
(function () {
  'use strict';
  var first = document.getElementById('live-now');
  if (!first || !window.fetch) return;
  var url = first.getAttribute('data-src');
  var every = Math.max(5, Number(first.getAttribute('data-every')) || 30) * 1000;
  var timer = 0;
  var busy = false;
  var stopped = false;

  function inUse(box) {
    return box.querySelector('input[type=checkbox]:checked') !== null || box.contains(document.activeElement);
  }

  function later() {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(read, every);
  }

  function read() {
    var box = document.getElementById('live-now');
    if (busy || stopped || !box) return;
    if (document.hidden || inUse(box)) return later();
    busy = true;
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'text/html' } })
      .then(function (response) {
        // A redirect is the sign-in page: the session ended.
        if (!response.ok || response.redirected) {
          stopped = true;
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        var now = document.getElementById('live-now');
        if (html && now && !inUse(now)) now.outerHTML = html;
      })
      // A slow or broken link: try again at the next interval.
      .catch(function () {})
      .then(function () {
        busy = false;
        later();
      });
  }

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) read();
  });
  later();
})();
