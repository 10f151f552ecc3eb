// The service worker of the offline entry page (offline.views.service_worker).
// It keeps two kinds of things and nothing else:
// - the offline page itself (/desa/<code>/luring/), network first: online the
//   officer always gets the current page; offline, the copy from the last visit;
// - static files (/static/…), cache first: their names carry a hash in
//   production, so a cached file never goes stale.
// Every other page and all JSON (village data, sync answers) go to the network
// untouched: personal data is never put in this cache. The page's own store
// (IndexedDB, encrypted) holds what the officer needs offline.
"use strict";

var CACHE = "desmigratif-shell-{{ version }}";
var PRECACHE = {{ files_json|safe }};
var SHELL_PAGE = /^\/desa\/[^/]+\/luring\/$/;

self.addEventListener("install", function (event) {
  // One file missing (a 404 while developing) must not stop the worker: add one by one.
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(PRECACHE.map(function (url) {
      return cache.add(url).catch(function () { return null; });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  // Older versions' caches hold old hashed names: drop them.
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("desmigratif-shell-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// A page the worker may keep: the offline page as the server sent it to a
// signed-in officer (not a redirect to the sign-in page, not an error page).
function keepable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

function shellFirstFromNetwork(request) {
  return fetch(request).then(function (response) {
    if (keepable(response)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request.url, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request.url, { ignoreSearch: true });
    }).then(function (cached) {
      return cached || Response.error();
    });
  });
}

function staticFromCache(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (cached) {
      if (cached) { return cached; }
      return fetch(request).then(function (response) {
        if (keepable(response)) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (SHELL_PAGE.test(url.pathname) && request.mode === "navigate") {
    event.respondWith(shellFirstFromNetwork(request));
  } else if (url.pathname.indexOf("{{ static_prefix }}") === 0) {
    event.respondWith(staticFromCache(request));
  }
});

// Officer pages ask for the offline page to be cached right after sign-in
// (offline-header.js), so it opens offline even if never visited online.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "cache-shell" && SHELL_PAGE.test(new URL(data.url, self.location.origin).pathname)) {
    // Once: a visit to the page itself keeps the copy current (network first).
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return cache.match(data.url).then(function (cached) {
        if (cached) { return null; }
        return fetch(data.url, { credentials: "same-origin" }).then(function (response) {
          return keepable(response) ? cache.put(data.url, response) : null;
        });
      });
    }).catch(function () { return null; }));
  }
});
