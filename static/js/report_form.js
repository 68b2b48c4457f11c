/* The reporter's form: live feedback while typing (the server checks everything again).
   - ratio indicators: the percentage numerator / denominator as it is typed, and for year-to-date
     ratios the year's rate with this quarter (the year's earlier approved counts come in
     data-year-numerator / data-year-denominator: the quarter's counts are added to them);
   - cumulative indicators: how many items are listed against the increment.
   Texts come translated from data attributes; no library, nothing fetched from outside. */
(function () {
  "use strict";

  // As the server reads a count (figures.py): full-width digits and punctuation taken as typed by
  // Chinese input methods (NFKC), commas only between groups of three digits ("1,5" is no number).
  function parseCount(text) {
    var cleaned = String(text || "").normalize("NFKC").trim();
    if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(cleaned)) {
      cleaned = cleaned.replace(/,/g, "");
    }
    if (!/^\d+(\.\d+)?$/.test(cleaned)) {
      return null;
    }
    return Number(cleaned);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? values[key] : match;
    });
  }

  function setupRatio(form) {
    var numerator = form.querySelector("[data-numerator]");
    var denominator = form.querySelector("[data-denominator]");
    var output = form.querySelector("[data-ratio-output]");
    if (!numerator || !denominator || !output) {
      return;
    }
    function update() {
      var num = parseCount(numerator.value);
      var den = parseCount(denominator.value);
      output.classList.remove("warning");
      if (num === null || den === null) {
        output.textContent = "";
        return;
      }
      if (den === 0) {
        output.textContent = output.dataset.zero;
        output.classList.add("warning");
        return;
      }
      var pct = (100 * num) / den;
      output.textContent = output.dataset.label + ": " + pct.toFixed(1) + "%";
      if (num > den) {
        output.textContent += " — " + output.dataset.tooHigh;
        output.classList.add("warning");
      }
      var yearNum = parseCount(output.dataset.yearNumerator);
      var yearDen = parseCount(output.dataset.yearDenominator);
      if (output.dataset.yearTemplate && yearNum !== null && yearDen !== null && yearDen + den > 0) {
        var totalNum = yearNum + num;
        var totalDen = yearDen + den;
        output.textContent += " · " + fill(output.dataset.yearTemplate, {
          pct: ((100 * totalNum) / totalDen).toFixed(1),
          num: totalNum,
          den: totalDen,
        });
      }
    }
    numerator.addEventListener("input", update);
    denominator.addEventListener("input", update);
    update();
  }

  function setupItems(form) {
    var increment = form.querySelector("[data-increment]");
    var items = form.querySelector("[data-items]");
    var output = form.querySelector("[data-items-count]");
    if (!increment || !items || !output) {
      return;
    }
    function update() {
      var listed = items.value.split(/\r?\n/).filter(function (line) {
        return line.trim() !== "";
      }).length;
      var count = parseCount(increment.value);
      output.textContent = fill(output.dataset.template, {
        listed: listed,
        increment: count === null ? "—" : count,
      });
      output.classList.remove("warning");
      if (count !== null && count !== listed) {
        output.textContent += " — " + output.dataset.mismatch;
        output.classList.add("warning");
      }
    }
    increment.addEventListener("input", update);
    items.addEventListener("input", update);
    update();
  }

  function setupMilestone(form) {
    var date = form.querySelector("input[name='completed_on']");
    var radios = form.querySelectorAll("input[name='done']");
    if (!date || !radios.length) {
      return;
    }
    function update() {
      var no = form.querySelector("input[name='done'][value='false']:checked");
      date.disabled = Boolean(no);
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  function init() {
    document.querySelectorAll("form.report-form").forEach(function (form) {
      setupRatio(form);
      setupItems(form);
      setupMilestone(form);
    });
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
