// Behaviour shared by every page, wired here rather than in inline handlers:
// the Content-Security-Policy allows no inline script (README, "Security headers").
(function () {
  "use strict";
  // A "Print" button: <button type="button" data-print>.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // A select that sends its form when changed (the language switch); the form
  // keeps a submit button in <noscript> for browsers without JavaScript.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // A table wider than the screen scrolls in its own box: keyboard users reach
  // it with Tab and scroll it with the arrow keys, and screen readers name it
  // after the table's caption or the heading above it (WCAG 2.1.1; axe's
  // scrollable-region-focusable). Only boxes that do scroll become tab stops.
  function labelOf(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    for (var node = box; node && node !== document.body; node = node.parentElement) {
      for (var before = node.previousElementSibling; before; before = before.previousElementSibling) {
        if (/^H[1-6]$/.test(before.tagName)) { return before.textContent.trim(); }
        var heading = before.querySelector("h1, h2, h3, h4, h5, h6");
        if (heading) { return heading.textContent.trim(); }
      }
    }
    return document.title;
  }
  function markScrollBoxes() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      // A visually hidden table (an empty chart's) is clipped, not scrolled.
      if (box.scrollWidth > box.clientWidth + 1 && !box.closest(".visually-hidden")) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          box.setAttribute("aria-label", labelOf(box));
        }
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    });
  }
  markScrollBoxes();
  window.addEventListener("resize", markScrollBoxes);
  // A table inside a closed <details> has no width until it opens.
  document.addEventListener("toggle", markScrollBoxes, true);

  // A multiple select marked data-picker (desmigratif/widgets.py) becomes a
  // box to type part of a name and a list of checkboxes, which a thumb can
  // tick one by one (a bare multiple select wants Ctrl-click). The select
  // stays in the form, hidden, and is what is sent.
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function buildPicker(select) {
    var label = document.querySelector("label[for='" + select.id + "']");
    var box = document.createElement("div");
    box.className = "choice-picker";
    var filter = document.createElement("input");
    filter.type = "search";
    filter.id = select.id + "-filter";
    filter.className = "form-control mb-2";
    filter.autocomplete = "off";
    filter.placeholder = select.dataset.pickerFilter;
    filter.setAttribute("aria-label", (label ? label.textContent.trim() + ": " : "") + select.dataset.pickerFilter);
    filter.setAttribute("aria-controls", select.id + "-choices");
    if (select.getAttribute("aria-describedby")) {
      filter.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    if (select.classList.contains("is-invalid")) { filter.classList.add("is-invalid"); }
    var list = document.createElement("div");
    list.id = select.id + "-choices";
    list.className = "choice-picker-list border rounded px-2";
    list.setAttribute("role", "group");
    if (label) {
      label.id = label.id || select.id + "-label";
      list.setAttribute("aria-labelledby", label.id);
      label.htmlFor = filter.id;
    }
    var status = document.createElement("p");
    status.className = "small text-body-secondary mb-1";
    status.setAttribute("aria-live", "polite");
    var none = document.createElement("p");
    none.className = "small text-body-secondary my-2";
    none.textContent = select.dataset.pickerNone;
    none.hidden = true;
    var rows = [];
    function count() {
      status.textContent = select.dataset.pickerChosen + ": " + select.selectedOptions.length;
    }
    Array.prototype.forEach.call(select.options, function (option, index) {
      var row = document.createElement("div");
      row.className = "form-check";
      var tick = document.createElement("input");
      tick.type = "checkbox";
      tick.className = "form-check-input";
      tick.id = select.id + "-choice-" + index;
      tick.checked = option.selected;
      tick.addEventListener("change", function () {
        option.selected = tick.checked;
        count();
      });
      var text = document.createElement("label");
      text.className = "form-check-label";
      text.htmlFor = tick.id;
      text.textContent = option.textContent;
      row.appendChild(tick);
      row.appendChild(text);
      list.appendChild(row);
      rows.push({row: row, text: fold(option.textContent)});
    });
    list.appendChild(none);
    filter.addEventListener("input", function () {
      var words = fold(filter.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (entry) {
        var match = words.every(function (word) { return entry.text.indexOf(word) !== -1; });
        entry.row.hidden = !match;
        if (match) { shown += 1; }
      });
      none.hidden = shown > 0;
    });
    // Enter in the box would send the whole form.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    box.appendChild(filter);
    box.appendChild(status);
    box.appendChild(list);
    select.hidden = true;
    select.parentNode.insertBefore(box, select.nextSibling);
    count();
  }
  document.querySelectorAll("select[multiple][data-picker]").forEach(buildPicker);
})();
