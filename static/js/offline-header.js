// On every page (templates/base.html): keeps the device's offline store
// (offline-store.js) tied to the signed-in user, and for village officers
// shows "N not sent yet" in the header, registers the service worker that
// keeps the offline page for use without a connection, and asks at sign-out
// whether to keep entries not sent yet.
(function () {
  "use strict";
  var script = document.getElementById("offline-header");
  var store = window.DesmigratifOffline;
  if (!script || !store || !window.indexedDB) { return; }
  var owner = script.dataset.owner || "";

  // Another user's (or nobody's) page: the previous officer's key and village
  // data must not stay readable here. Their entries stay, encrypted.
  // The offline page waits for this before it reads or writes the session.
  store.userChecked = store.getSession().then(function (session) {
    if (session && session.owner !== owner) { return store.forget(true); }
    return null;
  }).catch(function () { return null; });

  // Sign-out: forget the key, the village data and the cached page; the
  // officer decides about entries not sent yet. The form is sent afterwards
  // (form.submit() does not fire this handler again).
  document.querySelectorAll("form[action='" + script.dataset.logoutUrl + "']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!owner) { return; }
      event.preventDefault();
      var sent = false;
      function send() {
        if (!sent) {
          sent = true;
          form.submit();
        }
      }
      var asked = false;
      store.countPending(owner).catch(function () { return 0; }).then(function (count) {
        var keep = false;
        if (count > 0 && script.dataset.keepQuestion) {
          asked = true;
          keep = window.confirm(script.dataset.keepQuestion.replace("%(count)s", String(count)));
        }
        return store.forget(keep, owner);
      }).catch(function () { return null; }).then(send);
      // A store that never answers must not keep the user signed in: the
      // sign-in page clears the key and village data anyway (above).
      setTimeout(function () { if (!asked) { send(); } }, 5000);
    });
  });

  if (!script.dataset.pageUrl) { return; }

  var badge = document.getElementById("offline-pending");
  function showCount() {
    if (!badge) { return; }
    store.countPending(owner).then(function (count) {
      badge.textContent = script.dataset.notSent.replace("%(count)s", String(count));
      badge.hidden = count === 0;
    }).catch(function () { badge.hidden = true; });
  }
  showCount();
  store.listen(showCount);
  document.addEventListener("offline-entries-changed", showCount);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(script.dataset.swUrl).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (registration.active) {
        registration.active.postMessage({ type: "cache-shell", url: script.dataset.pageUrl });
      }
    }).catch(function () { return null; });
  }
})();
