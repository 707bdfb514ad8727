/* "Notifier en masse" (responsables): the list appears as soon as a transmission mode is
   ticked (manual §5.4.2), by submitting the criteria form; the button stays for keyboards. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-notify-criteria]").forEach(function (form) {
    ["courriel", "papier"].forEach(function (name) {
      var box = form.querySelector('input[name="' + name + '"]');
      if (box) {
        box.addEventListener("change", function () { form.requestSubmit(); });
      }
    });
  });
})();
