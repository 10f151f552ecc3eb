// Household form: show the fields that apply to each member's migration
// status, and add member rows without a round trip. Works without it too:
// then every field shows and the server ignores the ones that do not apply.
(function () {
  "use strict";

  function applyStatus(memberBox) {
    var select = memberBox.querySelector("select[name$='-migration_status']");
    if (!select) { return; }
    memberBox.querySelectorAll(".status-only").forEach(function (box) {
      var statuses = (box.dataset.statuses || "").split(" ");
      box.hidden = statuses.indexOf(select.value) === -1;
    });
  }

  function wire(memberBox) {
    applyStatus(memberBox);
    var select = memberBox.querySelector("select[name$='-migration_status']");
    if (select) {
      select.addEventListener("change", function () { applyStatus(memberBox); });
    }
  }

  document.querySelectorAll(".member-form").forEach(wire);

  var addButton = document.getElementById("add-member");
  var template = document.getElementById("member-empty-form");
  var total = document.querySelector("input[name='members-TOTAL_FORMS']");
  var list = document.getElementById("member-forms");
  if (addButton && template && total && list) {
    addButton.hidden = false;
    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var box = holder.firstElementChild;
      list.appendChild(box);
      total.value = String(index + 1);
      wire(box);
      var first = box.querySelector("input, select");
      if (first) { first.focus(); }
    });
  }
})();
