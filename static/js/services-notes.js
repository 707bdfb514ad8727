// Notes dates (B5): check or uncheck every couple, check the couples that have a given date.
(function () {
  "use strict";
  var table = document.getElementById("notes-couples");
  if (!table) return;
  var all = document.getElementById("notes-check-all");
  var boxes = Array.prototype.slice.call(table.querySelectorAll('tbody input[name="couples"]'));
  var dateSelect = document.getElementById("id_remove_date");
  var byDate = document.getElementById("notes-check-date");

  function syncAll() {
    var checked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = checked === boxes.length && checked > 0;
    all.indeterminate = checked > 0 && checked < boxes.length;
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    syncAll();
  });
  boxes.forEach(function (b) { b.addEventListener("change", syncAll); });
  if (byDate && dateSelect) {
    byDate.addEventListener("click", function () {
      var wanted = dateSelect.value;
      if (!wanted) { dateSelect.focus(); return; }
      boxes.forEach(function (b) {
        var dates = (b.closest("tr").dataset.dates || "").trim().split(/\s+/);
        b.checked = dates.indexOf(wanted) !== -1;
      });
      syncAll();
    });
  }
  syncAll();
})();
