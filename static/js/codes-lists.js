/* Code lists (CAR, CAE): "tout cocher", print button, and one submission per form. */
(function () {
  "use strict";
  document.querySelectorAll("[data-codes-select-all]").forEach(function (master) {
    var name = master.getAttribute("data-codes-select-all");
    var scope = master.closest("form") || document;
    master.hidden = false;
    master.addEventListener("change", function () {
      scope.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
        if (!box.disabled) { box.checked = master.checked; }
      });
    });
  });
  document.querySelectorAll("[data-codes-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("form[data-codes-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.setAttribute("aria-busy", "true");
    });
  });
})();
