/* The deflation companion: give folded proofs a title line (added by offline_html.py).
 *
 * sphinx-proof renders a `prf:proof` block as <div class="proof dropdown admonition"> whose
 * first paragraph starts "Proof." and has no .admonition-title. sphinx-togglebutton needs
 * that title to attach its button: without it, it throws on the first proof, and every
 * later toggle on the page (folded code cells, solutions) stays dead. This runs first
 * (loaded before togglebutton.js) and moves "Proof." plus a leading <em>step name</em>
 * into a title, so a folded proof reads "Proof (Step 1: one component, symbolically)".
 */
(function () {
  function fixProofs() {
    document.querySelectorAll("div.proof.dropdown").forEach(function (box, i) {
      // sphinx-proof gives every proof the id "proof": togglebutton then folds only the
      // first one on a page. Make the ids unique.
      if (box.id === "proof") box.id = "proof-" + i;
      if (box.querySelector(":scope > .admonition-title")) return;
      var title = document.createElement("p");
      title.className = "admonition-title";
      title.textContent = "Proof";
      var first = box.querySelector(":scope > p");
      var lead = first && first.firstChild;
      if (lead && lead.nodeType === Node.TEXT_NODE && /^\s*Proof\.\s*/.test(lead.textContent)) {
        lead.textContent = lead.textContent.replace(/^\s*Proof\.\s*/, "");
        var em = lead.textContent === "" ? lead.nextSibling : null;
        if (em && em.nodeType === Node.ELEMENT_NODE && em.tagName === "EM") {
          // Move the step name's nodes, not its text: it may hold a typeset formula.
          title.textContent = "Proof (";
          while (em.firstChild) title.appendChild(em.firstChild);
          var last = title.lastChild;
          if (last && last.nodeType === Node.TEXT_NODE) {
            last.textContent = last.textContent.replace(/\.\s*$/, "");
          }
          title.appendChild(document.createTextNode(")"));
          em.remove();
          if (first.firstChild && first.firstChild.nodeType === Node.TEXT_NODE) {
            first.firstChild.textContent = first.firstChild.textContent.replace(/^\s+/, "");
          }
        }
        if (first.textContent.trim() === "" && !first.querySelector("*")) first.remove();
      }
      box.insertBefore(title, box.firstChild);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fixProofs);
  } else {
    fixProofs();
  }
})();
