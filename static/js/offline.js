// The offline entry page (templates offline/offline_page.html): an officer
// records households, departures and returns without a connection; the
// entries wait on the device (offline-store.js, encrypted) and are sent to the
// sync endpoint (offline.views.sync_view) when the connection returns or on
// "Send now". The server answers each entry: accepted, rejected (errors per
// field, shown beside the fields to correct) or conflict (the household was
// changed on the server: the officer chooses).
//
// The page holds no texts of its own: they come with the page (json_script
// "offline-texts"), in the officer's language. Field rules as the officer
// types are those of id-rules.js, the same as the server's.
(function () {
  "use strict";

  // offline-store.js and offline-header.js are loaded after this file (at the
  // end of base.html): start once every deferred script has run.
  document.addEventListener("DOMContentLoaded", start);

  function SignedOut(message) { this.message = message; }

  function start() {
    var app = document.getElementById("offline-app");
    var store = window.DesmigratifOffline;
    var Rules = window.DesmigratifIdRules;
    if (!app || !store || !Rules) { return; }
    var T = JSON.parse(document.getElementById("offline-texts").textContent);
    var header = document.getElementById("offline-header");
    var owner = header ? header.dataset.owner : "";
    var maxEntries = parseInt(app.dataset.maxEntries, 10) || 200;
    var key = null;
    var csrf = null;
    var village = null;
    var entries = [];
    var editing = {};
    var syncing = false;
    var memberCount = 0;

    var statusLine = document.getElementById("offline-status");
    var alertBox = document.getElementById("offline-alert");
    var list = document.getElementById("entry-list");
    var forms = {
      household: document.getElementById("household-form"),
      departure: document.getElementById("departure-form"),
      "return": document.getElementById("return-form")
    };
    var memberList = document.getElementById("offline-members");
    var memberTemplate = document.getElementById("offline-member-template");

    function fmt(template, params) { return Rules.formatMessage(template, params); }

    function el(tag, className, text) {
      var node = document.createElement(tag);
      if (className) { node.className = className; }
      if (text !== undefined && text !== null) { node.textContent = text; }
      return node;
    }

    function labelOf(name) { return T.labels[name] || name; }

    function shown(name, value) {
      var choices = T.choices[name];
      return choices && Object.prototype.hasOwnProperty.call(choices, value) ? choices[value] : value;
    }

    function changed() { document.dispatchEvent(new Event("offline-entries-changed")); }

    // Status and alerts ----------------------------------------------------------------

    function showStatus() {
      var parts = [navigator.onLine ? T.online : T.offline];
      if (village && village.generated_at) {
        parts.push(fmt(T.data_loaded, { time: new Date(village.generated_at).toLocaleString() }));
      }
      statusLine.textContent = parts.join(" ");
    }

    function showAlert(text, link) {
      alertBox.textContent = text;
      if (link) {
        alertBox.appendChild(document.createTextNode(" "));
        var anchor = el("a", "alert-link", link.text);
        anchor.href = link.href;
        alertBox.appendChild(anchor);
      }
      alertBox.hidden = false;
    }

    function hideAlert() { alertBox.hidden = true; alertBox.textContent = ""; }

    // Talking to the server --------------------------------------------------------------

    function getJson(url) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(answer);
    }

    // A refusal says why in JSON; "signed_out" keeps the entries and asks
    // the officer to sign in. A network failure rejects with a TypeError.
    function answer(response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 403 && body.code === "signed_out") { throw new SignedOut(body.detail); }
        if (!response.ok) { throw new Error(body.detail || String(response.status)); }
        return body;
      });
    }

    // The key, owner tag and a CSRF token for this signed-in officer.
    function connect() {
      return getJson(app.dataset.keyUrl).then(function (body) {
        csrf = body.csrf_token;
        owner = body.owner;
        return store.importKey(body.key).then(function (imported) {
          key = imported;
          return store.putSession({ owner: body.owner, key: imported, village: body.village });
        });
      });
    }

    function refreshData() {
      return getJson(app.dataset.dataUrl).then(function (data) {
        village = data;
        fillMemberSelects();
        showStatus();
        return store.putVillage(key, owner, data).catch(storageFailed);
      });
    }

    function whenSignedOut(error) {
      if (error instanceof SignedOut) {
        showAlert(T.signed_out, { text: T.sign_in, href: app.dataset.loginUrl });
        return true;
      }
      return false;
    }

    // Storage ------------------------------------------------------------------------------

    function storageFailed(error) {
      if (error && (error.name === "QuotaExceededError" || /quota/i.test(String(error.message)))) {
        showAlert(T.storage_full);
      }
      throw error;
    }

    // Warn before a write can fail: less than 1 MB left.
    function checkSpace() {
      return store.spaceLeft().then(function (left) {
        if (left !== null && left < 1024 * 1024) { showAlert(T.storage_low); }
      });
    }

    function saveEntry(entry) {
      return checkSpace().then(function () {
        return store.putEntry(key, owner, entry);
      }).catch(storageFailed).then(function () { changed(); });
    }

    // Field errors, beside the fields ---------------------------------------------------------

    function setError(input, message) {
      if (!input) { return false; }
      input.classList.add("is-invalid");
      var holder = input.closest("[id^='div_']") || input.parentNode;
      var box = holder.querySelector(".offline-error");
      if (!box) {
        box = el("div", "invalid-feedback d-block offline-error");
        box.id = input.id + "_offline_error";
        holder.appendChild(box);
      }
      box.textContent = message;
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(box.id) === -1) { described.push(box.id); }
      input.setAttribute("aria-describedby", described.join(" "));
      return true;
    }

    function clearError(input) {
      input.classList.remove("is-invalid");
      var holder = input.closest("[id^='div_']") || input.parentNode;
      var box = holder.querySelector(".offline-error");
      if (box) { box.remove(); }
    }

    function clearErrors(form) {
      form.querySelectorAll(".is-invalid").forEach(clearError);
      form.querySelector(".entry-errors").textContent = "";
    }

    function entryError(form, message) {
      form.querySelector(".entry-errors").appendChild(el("div", "alert alert-danger py-2", message));
    }

    function messages(errors) {
      return (errors || []).map(function (error) { return error.message || String(error); }).join(" ");
    }

    function visible(input) {
      return !input.closest("[hidden]");
    }

    // A field of a member box or of a form, by the form field's name.
    function field(container, name) {
      return container.querySelector("[name$='-" + name + "']") || container.querySelector("[name='" + name + "']");
    }

    function requiredMissing(container) {
      var ok = true;
      container.querySelectorAll("[required]").forEach(function (input) {
        if (visible(input) && !input.value.trim()) {
          setError(input, T.required);
          ok = false;
        }
      });
      return ok;
    }

    // id-rules.js's checks of a member box; "required" waits for saving (an
    // empty field is not a mistake while the officer is still typing).
    function checkMemberBox(box, saving) {
      var member = readFields(box);
      var values = {
        nik: member.nik,
        birth_date: member.birth_date,
        sex: member.sex,
        departure_date: visible(field(box, "departure_date")) ? member.departure_date : "",
        return_date: visible(field(box, "return_date")) ? member.return_date : ""
      };
      var errors = Rules.checkMember(values);
      var ok = true;
      ["nik", "birth_date", "sex", "departure_date", "return_date"].forEach(function (name) {
        var input = field(box, name);
        if (input.classList.contains("is-invalid")) { clearError(input); }
        var error = errors[name];
        if (error && (saving || error.code !== "required")) {
          setError(input, fmt(T.id_rules[name][error.code], error.params));
          ok = false;
        }
      });
      return ok;
    }

    function checkKk(form, saving) {
      var input = field(form, "no_kk");
      clearError(input);
      var result = Rules.cleanKk(input.value);
      if (!result.ok && (saving || result.code !== "required")) {
        setError(input, fmt(T.id_rules.no_kk[result.code], result.params));
        return false;
      }
      return true;
    }

    function checkDate(form, name) {
      var input = field(form, name);
      var today = Rules.todayIso();
      if (input && input.value && input.value > today) {
        setError(input, T.id_rules[name].future);
        return false;
      }
      return true;
    }

    // Reading and filling forms ---------------------------------------------------------------

    // {field name: value} of the named inputs in a container, prefixes left out.
    function readFields(container) {
      var values = {};
      container.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (input) {
        var name = input.name.replace(/^(members-\d+|departure|return)-/, "");
        if (input.type === "checkbox") {
          values[name] = input.checked;
        } else {
          values[name] = input.value;
        }
      });
      return values;
    }

    function fillFields(container, values) {
      Object.keys(values || {}).forEach(function (name) {
        var input = field(container, name);
        if (input && typeof values[name] !== "object") { input.value = values[name]; }
      });
    }

    // The fields that apply to a member's migration status (as member-form.js).
    function applyStatus(box) {
      var select = field(box, "migration_status");
      box.querySelectorAll(".status-only").forEach(function (part) {
        part.hidden = (part.dataset.statuses || "").split(" ").indexOf(select.value) === -1;
      });
    }

    function addMember(values) {
      var index = memberCount;
      memberCount += 1;
      var holder = document.createElement("div");
      holder.innerHTML = memberTemplate.innerHTML.replace(/__prefix__/g, String(index)).trim();
      var box = holder.firstElementChild;
      memberList.appendChild(box);
      return wireMember(box, values);
    }

    function wireMember(box, values) {
      fillFields(box, values);
      applyStatus(box);
      field(box, "migration_status").addEventListener("change", function () { applyStatus(box); });
      // Checked as the officer types: the NIK against the date of birth and sex.
      box.addEventListener("change", function () { checkMemberBox(box, false); });
      box.querySelector(".remove-member").addEventListener("click", function () {
        box.remove();
        if (!memberList.children.length) { addMember(); }
      });
      return box;
    }

    function memberBoxes() { return Array.prototype.slice.call(memberList.children); }

    function readHousehold() {
      var form = forms.household;
      var values = {};
      ["no_kk", "dusun", "rt", "rw", "address"].forEach(function (name) { values[name] = field(form, name).value; });
      values.members = memberBoxes().map(function (box) {
        var member = readFields(box);
        // Fields of another status are cleared by the server; leave them out.
        box.querySelectorAll(".status-only[hidden] [name]").forEach(function (input) {
          delete member[input.name.replace(/^members-\d+-/, "")];
        });
        return member;
      });
      return values;
    }

    function resetForm(kind) {
      var form = forms[kind];
      form.reset();
      clearErrors(form);
      editing[kind] = null;
      form.querySelector(".correcting-note").hidden = true;
      form.querySelector(".cancel-correction").hidden = true;
      if (kind === "household") {
        memberList.textContent = "";
        addMember();
      }
    }

    function findMember(id) {
      var found = null;
      ((village && village.households) || []).forEach(function (household) {
        household.members.forEach(function (member) {
          if (member.id === id) { found = { member: member, household: household }; }
        });
      });
      return found;
    }

    // Pick a person: name, NIK as delivered (masked unless the officer sees it in full).
    function fillMemberSelects() {
      ["departure", "return"].forEach(function (kind) {
        var form = forms[kind];
        var select = form.querySelector(".member-select");
        var chosen = select.value;
        select.textContent = "";
        select.appendChild(el("option", null, T.choose_member)).value = "";
        var count = 0;
        ((village && village.households) || []).forEach(function (household) {
          household.members.forEach(function (member) {
            if (member.status !== form.dataset.status) { return; }
            var option = el("option", null, member.name + " · " + member.nik);
            option.value = String(member.id);
            select.appendChild(option);
            count += 1;
          });
        });
        if (!count) { select.options[0].textContent = T.no_members; }
        select.value = chosen;
      });
    }

    // Saving on the device --------------------------------------------------------------------

    function firstInvalid(form) {
      var input = form.querySelector(".is-invalid");
      if (input) { input.focus(); }
    }

    function newEntry(kind) {
      var old = editing[kind];
      return {
        client_id: old ? old.client_id : crypto.randomUUID(),
        kind: kind,
        state: "waiting",
        created: old ? old.created : Date.now()
      };
    }

    function saveForm(kind, event) {
      event.preventDefault();
      var form = forms[kind];
      hideAlert();
      clearErrors(form);
      if (!key) { showAlert(T.no_data); return; }
      var ok = requiredMissing(form);
      var entry = newEntry(kind);
      if (kind === "household") {
        ok = checkKk(form, true) && ok;
        memberBoxes().forEach(function (box) { ok = checkMemberBox(box, true) && ok; });
        var values = readHousehold();
        entry.payload = Object.assign({ client_id: entry.client_id, kind: kind }, values);
        entry.title = values.no_kk + " · " + values.members.map(function (m) { return m.name; }).join(", ");
      } else {
        var dateName = kind === "departure" ? "departure_date" : "return_date";
        ok = checkDate(form, dateName) && ok;
        var memberId = parseInt(form.querySelector(".member-select").value, 10);
        var found = findMember(memberId);
        var fields = readFields(form);
        delete fields.member;
        entry.payload = Object.assign({ client_id: entry.client_id, kind: kind, member: memberId }, fields);
        if (found) {
          entry.payload.base_version = found.household.version;
          entry.title = found.member.name + " · " + found.member.nik;
        } else if (editing[kind]) {
          entry.payload.base_version = editing[kind].payload.base_version;
          entry.title = editing[kind].title;
        }
      }
      if (!ok) {
        showAlert(T.check_form);
        firstInvalid(form);
        return;
      }
      // What was typed stays in the form until the device has stored it.
      saveEntry(entry).then(function () {
        resetForm(kind);
        statusLine.textContent = T.saved;
        return renderEntries();
      }).catch(function () { return null; });
    }

    // Correcting a rejected entry: back into its form, errors beside the fields.
    function correct(entry) {
      var form = forms[entry.kind];
      resetForm(entry.kind);
      editing[entry.kind] = entry;
      var errors = entry.errors || {};
      if (entry.kind === "household") {
        memberList.textContent = "";
        fillFields(form, entry.payload);
        entry.payload.members.forEach(function (member, index) {
          var box = addMember(member);
          var memberErrors = (errors.members || [])[index] || {};
          Object.keys(memberErrors).forEach(function (name) {
            if (!setError(field(box, name), messages(memberErrors[name]))) {
              entryError(form, labelOf(name) + ": " + messages(memberErrors[name]));
            }
          });
        });
      } else {
        form.querySelector(".member-select").value = String(entry.payload.member);
        fillFields(form, entry.payload);
      }
      Object.keys(errors).forEach(function (name) {
        if (name === "members") { return; }
        var input = name === "member" ? form.querySelector(".member-select") : field(form, name);
        if (name === "__all__" || !setError(input, messages(errors[name]))) {
          entryError(form, (name === "__all__" ? "" : labelOf(name) + ": ") + messages(errors[name]));
        }
      });
      var note = form.querySelector(".correcting-note");
      note.textContent = T.editing;
      note.hidden = false;
      form.querySelector(".cancel-correction").hidden = false;
      form.scrollIntoView();
      (form.querySelector(".is-invalid") || form.querySelector("input, select")).focus();
    }

    // The list of entries on this device ----------------------------------------------------------

    function errorList(entry) {
      var items = el("ul", "small text-danger mb-2");
      var errors = entry.errors || {};
      Object.keys(errors).forEach(function (name) {
        if (name === "members") {
          errors.members.forEach(function (memberErrors, index) {
            Object.keys(memberErrors || {}).forEach(function (memberField) {
              var who = (entry.payload.members[index] || {}).name || String(index + 1);
              items.appendChild(el("li", null, T.member + " " + who + " · " + labelOf(memberField) + ": " +
                messages(memberErrors[memberField])));
            });
          });
        } else {
          items.appendChild(el("li", null, labelOf(name) + ": " + messages(errors[name])));
        }
      });
      return items;
    }

    function describeDevice(entry) {
      var items = el("dl", "small mb-0");
      var payload = entry.payload;
      Object.keys(payload).forEach(function (name) {
        if (["client_id", "kind", "base_version", "members"].indexOf(name) !== -1 || payload[name] === "") { return; }
        var value = name === "member" ? entry.title : shown(name, payload[name]);
        items.appendChild(el("dt", null, name === "member" ? T.member : labelOf(name)));
        items.appendChild(el("dd", "mb-1", value));
      });
      return items;
    }

    function describeServer(record) {
      var items = el("dl", "small mb-0");
      items.appendChild(el("dt", null, labelOf("no_kk")));
      items.appendChild(el("dd", "mb-1", record.no_kk));
      items.appendChild(el("dt", null, T.members));
      record.members.forEach(function (member) {
        var parts = [member.name, shown("migration_status", member.migration_status)];
        if (member.departure_date) { parts.push(labelOf("departure_date") + " " + member.departure_date); }
        if (member.return_date) { parts.push(labelOf("return_date") + " " + member.return_date); }
        items.appendChild(el("dd", "mb-1", parts.join(" · ")));
      });
      return items;
    }

    function conflictView(entry) {
      var box = el("div", "row g-2 mb-2");
      var mine = el("div", "col-12 col-sm-6");
      mine.appendChild(el("h3", "h6", T.this_device));
      mine.appendChild(describeDevice(entry));
      var theirs = el("div", "col-12 col-sm-6");
      theirs.appendChild(el("h3", "h6", T.on_server));
      theirs.appendChild(describeServer(entry.record));
      box.appendChild(mine);
      box.appendChild(theirs);
      return box;
    }

    function button(text, className, action) {
      var node = el("button", "btn btn-sm " + className, text);
      node.type = "button";
      node.addEventListener("click", action);
      return node;
    }

    function renderEntry(entry) {
      var item = el("li", "border rounded p-2 mb-2 offline-entry");
      item.dataset.state = entry.state;
      item.dataset.clientId = entry.client_id;
      var head = el("p", "mb-1");
      head.appendChild(el("strong", null, T.kind[entry.kind] + ": "));
      head.appendChild(document.createTextNode(entry.title || ""));
      item.appendChild(head);
      var badge = {
        waiting: "text-bg-secondary", rejected: "text-bg-danger", conflict: "text-bg-warning", accepted: "text-bg-success"
      }[entry.state];
      item.appendChild(el("p", "mb-1")).appendChild(el("span", "badge entry-state " + badge, T.state[entry.state]));
      var actions = el("div", "d-flex flex-wrap gap-2");
      if (entry.state === "rejected") {
        item.appendChild(errorList(entry));
        actions.appendChild(button(T.correct, "btn-outline-primary", function () { correct(entry); }));
      }
      if (entry.state === "conflict") {
        if (entry.message) { item.appendChild(el("p", "small mb-2", entry.message)); }
        item.appendChild(conflictView(entry));
        actions.appendChild(button(T.keep_server, "btn-outline-primary", function () { keepServer(entry); }));
        actions.appendChild(button(T.send_mine, "btn-outline-warning", function () { sendMine(entry); }));
      }
      if (entry.state === "accepted") {
        var link = el("a", "btn btn-sm btn-outline-success", T.open_record);
        link.href = entry.url;
        actions.appendChild(link);
        if (entry.warnings && entry.warnings.length) {
          item.appendChild(el("p", "small text-warning-emphasis mb-1", T.warnings + ": " + entry.warnings.join(" ")));
        }
      } else {
        actions.appendChild(button(T["delete"], "btn-outline-danger", function () {
          if (window.confirm(T.delete_confirm)) {
            store.deleteEntry(entry.client_id).then(changed).then(renderEntries);
          }
        }));
      }
      item.appendChild(actions);
      return item;
    }

    function renderEntries() {
      if (!key) { return Promise.resolve(); }
      return store.readEntries(key, owner).then(function (read) {
        entries = read;
        list.textContent = "";
        if (!entries.length) { list.appendChild(el("li", "text-body-secondary", T.nothing_waiting)); }
        entries.forEach(function (entry) { list.appendChild(renderEntry(entry)); });
        document.getElementById("clear-sent").hidden = !entries.some(function (entry) {
          return entry.state === "accepted";
        });
      });
    }

    // Sending -------------------------------------------------------------------------------------

    function post(batch) {
      return fetch(app.dataset.syncUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ entries: batch.map(function (entry) { return entry.payload; }) })
      }).then(answer);
    }

    // The answers of one batch, each stored as it is: an entry the server
    // accepted is never sent again as new (and if its answer was lost, the
    // server gives the same answer to the same client_id).
    function record(batch, body, counts) {
      var byId = {};
      batch.forEach(function (entry) { byId[entry.client_id] = entry; });
      return Promise.all(body.results.map(function (result) {
        var entry = byId[result.client_id];
        if (!entry) { return null; }
        entry.state = result.status;
        counts[result.status] = (counts[result.status] || 0) + 1;
        entry.errors = result.errors || null;
        entry.record = result.record || null;
        entry.message = result.message || "";
        entry.url = result.url || "";
        entry.warnings = result.warnings || [];
        return saveEntry(entry);
      }));
    }

    function sync() {
      if (syncing) { return Promise.resolve(); }
      syncing = true;
      hideAlert();
      statusLine.textContent = T.sending;
      var counts = {};
      return connect().then(renderEntries).then(function () {
        var waiting = entries.filter(function (entry) { return entry.state === "waiting"; });
        var batches = [];
        for (var start = 0; start < waiting.length; start += maxEntries) {
          batches.push(waiting.slice(start, start + maxEntries));
        }
        // One batch after another: the server applies each entry in order.
        return batches.reduce(function (previous, batch) {
          return previous.then(function () {
            return post(batch).then(function (body) { return record(batch, body, counts); });
          });
        }, Promise.resolve());
      }).then(refreshData).then(function () {
        statusLine.textContent = fmt(T.sent, {
          accepted: counts.accepted || 0, rejected: counts.rejected || 0, conflict: counts.conflict || 0
        });
      }).catch(function (error) {
        if (!whenSignedOut(error)) { showAlert(T.send_failed); }
      }).then(function () {
        syncing = false;
        return renderEntries();
      });
    }

    function keepServer(entry) {
      store.deleteEntry(entry.client_id).then(changed).then(function () {
        return navigator.onLine ? refreshData().catch(function () { return null; }) : null;
      }).then(renderEntries);
    }

    // Sent again over the server's version: the officer has seen it and chosen theirs.
    function sendMine(entry) {
      entry.payload.base_version = entry.record.version;
      entry.state = "waiting";
      entry.record = null;
      saveEntry(entry).then(renderEntries).then(sync);
    }

    // Wiring ----------------------------------------------------------------------------------------

    Object.keys(forms).forEach(function (kind) {
      var form = forms[kind];
      form.addEventListener("submit", function (event) { saveForm(kind, event); });
      form.querySelector(".cancel-correction").addEventListener("click", function () { resetForm(kind); });
    });
    forms.household.querySelector("[name='no_kk']").addEventListener("change", function () {
      checkKk(forms.household, false);
    });
    ["departure", "return"].forEach(function (kind) {
      var name = kind === "departure" ? "departure_date" : "return_date";
      field(forms[kind], name).addEventListener("change", function (event) {
        clearError(event.target);
        checkDate(forms[kind], name);
      });
    });
    document.getElementById("offline-add-member").addEventListener("click", function () {
      var box = addMember();
      box.querySelector("input, select").focus();
    });
    document.getElementById("send-now").addEventListener("click", sync);
    document.getElementById("refresh-data").addEventListener("click", function () {
      hideAlert();
      connect().then(refreshData).catch(function (error) {
        if (!whenSignedOut(error)) { showAlert(T.send_failed); }
      });
    });
    document.getElementById("clear-sent").addEventListener("click", function () {
      Promise.all(entries.filter(function (entry) { return entry.state === "accepted"; }).map(function (entry) {
        return store.deleteEntry(entry.client_id);
      })).then(changed).then(renderEntries);
    });
    window.addEventListener("online", function () { showStatus(); sync(); });
    window.addEventListener("offline", showStatus);
    // The first member's form comes in the page itself (drawn late, it moved
    // everything below it: Lighthouse's layout shift); it is taken over here.
    if (memberList.firstElementChild) {
      memberCount = memberList.children.length;
      wireMember(memberList.firstElementChild);
    } else {
      addMember();
    }
    showStatus();

    // The key and data this device has, then (online) fresh ones from the server.
    (store.userChecked || Promise.resolve()).then(store.getSession).then(function (session) {
      if (session && session.owner === owner) { key = session.key; }
      return key ? store.readVillage(key, owner) : null;
    }).then(function (data) {
      if (data) {
        village = data;
        fillMemberSelects();
      }
      showStatus();
      return renderEntries();
    }).then(function () {
      if (!navigator.onLine) { return null; }
      return connect().then(refreshData).then(renderEntries).catch(function (error) {
        if (whenSignedOut(error)) { return; }
        if (!key) { showAlert(T.no_data); }
      });
    }).then(function () {
      if (!key) { showAlert(T.no_data); }
    }).catch(function () {
      showAlert(T.no_data);
    });
  }
})();
