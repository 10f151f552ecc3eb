// The device's store for offline entry (IndexedDB), shared by the offline page
// (offline.js) and the header of every page (offline-header.js):
//   session  {id: "current", owner, key, village}: the signed-in officer's
//            owner tag and AES-GCM key (a non-extractable CryptoKey: page
//            scripts can use it but never read its bytes);
//   village  {owner, iv, data}: the village's households and members, encrypted;
//   entries  {client_id, owner, state, created, iv, data}: the entries made
//            here, encrypted; state (waiting, rejected, conflict, accepted)
//            and the owner tag stay readable so the header can count them
//            without the key.
// The key comes from the server to the signed-in user only (offline.device):
// once it is deleted (sign-out, another user), the entries kept on the device
// are unreadable until the same officer signs in again.
(function (root) {
  "use strict";

  var DB_NAME = "desmigratif-offline";
  var DB_VERSION = 1;
  var CHANNEL = "desmigratif-offline";
  var CACHE_PREFIX = "desmigratif-shell-";
  var dbPromise = null;

  function open() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!root.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var request = root.indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("session", { keyPath: "id" });
          db.createObjectStore("village", { keyPath: "owner" });
          db.createObjectStore("entries", { keyPath: "client_id" }).createIndex("owner", "owner");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  // Run fn(store) in a transaction; resolves with what fn's request gave once
  // the transaction has committed (a write is on disk, or its error, e.g.
  // QuotaExceededError, is what the promise rejects with).
  function run(storeName, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result;
        var request = fn(tx.objectStore(storeName));
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error || new Error("aborted")); };
      });
    });
  }

  function bytesOf(base64) {
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i += 1) { bytes[i] = text.charCodeAt(i); }
    return bytes;
  }

  function importKey(base64) {
    return crypto.subtle.importKey("raw", bytesOf(base64), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  }

  // A fresh 12-byte IV for every write: AES-GCM must never reuse one under a key.
  function encrypt(key, value) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify(value));
    return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, plain).then(function (data) {
      return { iv: iv, data: data };
    });
  }

  function decrypt(key, record) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: record.iv }, key, record.data).then(function (plain) {
      return JSON.parse(new TextDecoder().decode(plain));
    });
  }

  function getSession() {
    return run("session", "readonly", function (store) { return store.get("current"); });
  }

  function putSession(session) {
    session.id = "current";
    return run("session", "readwrite", function (store) { return store.put(session); });
  }

  // Tell the header and other tabs that the entries changed.
  function announce() {
    if (root.BroadcastChannel) {
      var channel = new BroadcastChannel(CHANNEL);
      channel.postMessage("changed");
      channel.close();
    }
  }

  function listen(callback) {
    if (root.BroadcastChannel) { new BroadcastChannel(CHANNEL).onmessage = callback; }
  }

  function allEntries(owner) {
    return run("entries", "readonly", function (store) {
      return store.index("owner").getAll(owner);
    }).then(function (records) {
      return (records || []).sort(function (a, b) { return a.created - b.created; });
    });
  }

  // Entries not on the server yet (accepted ones stay listed until removed).
  function countPending(owner) {
    return allEntries(owner).then(function (records) {
      return records.filter(function (record) { return record.state !== "accepted"; }).length;
    });
  }

  // entry: {client_id, state, ...}; everything but the state is encrypted.
  function putEntry(key, owner, entry) {
    return encrypt(key, entry).then(function (sealed) {
      return run("entries", "readwrite", function (store) {
        return store.put({
          client_id: entry.client_id,
          owner: owner,
          state: entry.state,
          created: entry.created,
          iv: sealed.iv,
          data: sealed.data
        });
      });
    }).then(function () { announce(); });
  }

  function readEntries(key, owner) {
    return allEntries(owner).then(function (records) {
      return Promise.all(records.map(function (record) { return decrypt(key, record); }));
    });
  }

  function deleteEntry(clientId) {
    return run("entries", "readwrite", function (store) { return store.delete(clientId); })
      .then(function () { announce(); });
  }

  function putVillage(key, owner, data) {
    return encrypt(key, data).then(function (sealed) {
      return run("village", "readwrite", function (store) {
        return store.put({ owner: owner, iv: sealed.iv, data: sealed.data });
      });
    });
  }

  function readVillage(key, owner) {
    return run("village", "readonly", function (store) { return store.get(owner); }).then(function (record) {
      return record ? decrypt(key, record) : null;
    });
  }

  function clearCaches() {
    if (!root.caches) { return Promise.resolve(); }
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(CACHE_PREFIX) === 0;
      }).map(function (name) { return caches.delete(name); }));
    });
  }

  // Sign-out or another user: the key, the village data and the cached page
  // shell go. The entries of ``owner`` go too (those not sent yet only
  // unless keepEntries); kept ones
  // stay encrypted under a key the device no longer has (other users'
  // kept entries are never touched here).
  function forget(keepEntries, owner) {
    var work = ["session", "village"].map(function (name) {
      return run(name, "readwrite", function (store) { return store.clear(); });
    });
    if (owner) {
      // Entries already on the server go in any case.
      work.push(allEntries(owner).then(function (records) {
        return run("entries", "readwrite", function (store) {
          records.forEach(function (record) {
            if (!keepEntries || record.state === "accepted") { store.delete(record.client_id); }
          });
        });
      }));
    }
    return Promise.all(work).then(clearCaches).then(function () { announce(); });
  }

  // Free space left, in bytes (null where the browser does not say).
  function spaceLeft() {
    if (!navigator.storage || !navigator.storage.estimate) { return Promise.resolve(null); }
    return navigator.storage.estimate().then(function (estimate) {
      return estimate.quota - estimate.usage;
    }).catch(function () { return null; });
  }

  root.DesmigratifOffline = {
    importKey: importKey,
    getSession: getSession,
    putSession: putSession,
    allEntries: allEntries,
    countPending: countPending,
    putEntry: putEntry,
    readEntries: readEntries,
    deleteEntry: deleteEntry,
    putVillage: putVillage,
    readVillage: readVillage,
    forget: forget,
    listen: listen,
    spaceLeft: spaceLeft
  };
})(window);
