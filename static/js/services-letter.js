// Letter type (B4): the ENT list is offered only for the two ENT letter types.
(function () {
  "use strict";
  var form = document.getElementById("letter-form");
  var block = document.getElementById("letter-ent-block");
  if (!form || !block) return;
  function update() {
    var checked = form.querySelector('input[name="letter_type"]:checked');
    var withEnt = checked && checked.value !== "teleservices";
    block.hidden = !withEnt;
    block.querySelectorAll("select").forEach(function (select) {
      select.disabled = !withEnt;
    });
  }
  form.querySelectorAll('input[name="letter_type"]').forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
