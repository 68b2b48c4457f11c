// Behaviour every page shares, kept out of the HTML so that the Content-Security-Policy can forbid
// inline scripts and styles (metrology_portal/settings.py).
document.addEventListener("DOMContentLoaded", function () {
  // The language switcher changes language as soon as one is chosen (without script: its button).
  var language = document.getElementById("lang-select");
  if (language) {
    language.addEventListener("change", function () {
      language.form.submit();
    });
  }
  // Bars drawn to a share: the width (or the position of a mark) comes from a data attribute and is
  // set through the style object, which a strict policy allows (a style="" attribute it does not).
  document.querySelectorAll("[data-bar-width]").forEach(function (bar) {
    bar.style.width = bar.dataset.barWidth + "%";
  });
  document.querySelectorAll("[data-bar-left]").forEach(function (mark) {
    mark.style.left = mark.dataset.barLeft + "%";
  });
});

// On narrow screens the main links fold behind the menu button of the header (portal.css). Without
// script the class is never set and the links wrap instead.
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("main-nav");
  if (!toggle || !nav) {
    return;
  }
  document.querySelector(".site-header").classList.add("js-nav");
  toggle.addEventListener("click", function () {
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
});

// A table box that scrolls sideways (on a phone, most do) takes the keyboard's focus, so that the
// arrow keys can scroll it, and is named for screen readers: by its table's caption, else by the
// heading before it, else by the page's words for "table" (base.html: data-scroll-label). Boxes
// that fit their table stay out of the Tab order. Checked again whenever the window is resized.
function portalMarkScrollBoxes() {
  var fallback = document.body.dataset.scrollLabel || "";
  document.querySelectorAll(".table-scroll").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      if (!box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        var heading = null;
        for (var el = box.previousElementSibling; el && !heading; el = el.previousElementSibling) {
          if (/^H[1-6]$/.test(el.tagName)) heading = el;
        }
        var name = caption ? caption.textContent : heading ? heading.textContent : fallback;
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name.replace(/\s+/g, " ").trim() || fallback);
        box.dataset.scrollMarked = "1";
      }
    } else if (box.dataset.scrollMarked) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      delete box.dataset.scrollMarked;
    }
  });
}
document.addEventListener("DOMContentLoaded", portalMarkScrollBoxes);
window.addEventListener("resize", portalMarkScrollBoxes);
