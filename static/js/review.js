// The review queue's "select all" box: checks every approvable row on the page.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table.review-queue input.select-all").forEach(function (box) {
    box.addEventListener("change", function () {
      box.closest("table").querySelectorAll('input[name="ids"]').forEach(function (row) {
        row.checked = box.checked;
      });
    });
  });
});
