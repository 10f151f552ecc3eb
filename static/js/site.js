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
})();
