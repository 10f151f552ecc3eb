// The progress page of an import or an export asks status.json every 2 s and
// goes to the result when the job is done. Without JavaScript the page reloads
// itself (<noscript>).
(function () {
  "use strict";
  var box = document.getElementById("import-progress") || document.getElementById("export-progress");
  if (!box) { return; }
  var bar = box.querySelector(".progress");
  var fill = box.querySelector(".progress-bar");
  var text = box.querySelector("[aria-live]");
  function show(data) {
    if (data.percent === null) {
      bar.removeAttribute("aria-valuenow");
      fill.classList.add("progress-bar-striped", "progress-bar-animated");
      fill.style.width = "100%";
    } else {
      bar.setAttribute("aria-valuenow", data.percent);
      fill.classList.remove("progress-bar-striped", "progress-bar-animated");
      fill.style.width = data.percent + "%";
    }
    if (text.textContent !== data.text) { text.textContent = data.text; }
  }
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        if (!data.running) { window.location.replace(data.url); return; }
        show(data);
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
