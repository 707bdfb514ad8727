// Welcome message (B3): live "n/1000" counter, live preview, and the link button.
// The preview keeps only what the server keeps (text, line breaks, https links to the academy's
// domains when it lists some, mailto links), built node by node: nothing typed or pasted is ever
// run or inserted as HTML. The server refuses a message with any other link and says why.
(function () {
  "use strict";
  var textarea = document.getElementById("id_message");
  var counter = document.getElementById("welcome-counter");
  var preview = document.getElementById("welcome-preview");
  var urlInput = document.getElementById("welcome-link-url");
  var linkButton = document.getElementById("welcome-link-button");
  var linkError = document.getElementById("welcome-link-error");
  if (!textarea || !counter || !preview) return;
  var max = parseInt(counter.dataset.max, 10) || 1000;
  var SCHEMES = ["https:", "mailto:"];
  var form = document.getElementById("welcome-form");
  // The academy's allow-list (subdomains accepted), absent when any https site may be linked.
  var domainsAttr = form ? form.getAttribute("data-link-domains") : null;
  var DOMAINS = domainsAttr === null ? null : domainsAttr.split(/\s+/).filter(Boolean);
  var HTML_NS = "http://www.w3.org/1999/xhtml";
  var DROPPED = ["script", "style", "template"]; // dropped with their content, as on the server

  function hostAllowed(host) {
    if (DOMAINS === null) return true;
    return DOMAINS.some(function (domain) {
      return host === domain || host.slice(-(domain.length + 1)) === "." + domain;
    });
  }

  // Why a link is refused (the server's reasons, shorter), or "" when it is allowed.
  function refusal(href) {
    var trimmed = (href || "").trim();
    var match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed);
    if (!match || SCHEMES.indexOf(match[1].toLowerCase() + ":") === -1) {
      return "Indiquez une adresse commençant par https:// (site sécurisé) ou mailto:.";
    }
    if (match[1].toLowerCase() === "mailto") return "";
    var url;
    try {
      url = new URL(trimmed);
    } catch (error) {
      return "L'adresse du site n'est pas valide.";
    }
    if (!url.hostname || url.username || url.password || trimmed.indexOf("\\") !== -1) {
      return "L'adresse du site n'est pas valide.";
    }
    if (!hostAllowed(url.hostname.replace(/\.$/, ""))) {
      return "Ce site n'est pas parmi les domaines autorisés par l'académie : "
        + (DOMAINS.length ? DOMAINS.join(", ") : "aucun") + ".";
    }
    return "";
  }

  function allowedHref(href) {
    if (!href || refusal(href)) return null;
    return href.trim();
  }

  function chars(text) {
    return Array.from(text).length; // code points, as the server counts
  }

  // Copy the allowed part of `source` into `target`; return the number of visible characters.
  function copyNodes(source, target, insideLink) {
    var count = 0;
    source.childNodes.forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        target.appendChild(document.createTextNode(node.nodeValue));
        count += chars(node.nodeValue);
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        var tag = node.localName.toLowerCase(); // SVG and MathML elements keep lower-case names
        if (DROPPED.indexOf(tag) !== -1) return;
        // Inside <svg> or <math> the server keeps only the bare text: drop foreign elements whole.
        if (node.namespaceURI !== HTML_NS && tag !== "svg" && tag !== "math") return;
        if (tag === "br") {
          target.appendChild(document.createElement("br"));
          count += 1;
        } else if (tag === "a" && !insideLink && allowedHref(node.getAttribute("href"))) {
          var a = document.createElement("a");
          a.href = allowedHref(node.getAttribute("href"));
          a.rel = "noopener noreferrer nofollow";
          a.target = "_blank";
          count += copyNodes(node, a, true);
          target.appendChild(a);
        } else {
          count += copyNodes(node, target, insideLink);
        }
      }
    });
    return count;
  }

  function render() {
    var source = textarea.value.replace(/\r\n?/g, "\n").trim().replace(/\n/g, "<br>");
    // DOMParser builds an inert document: no script runs, no image loads.
    var parsed = new DOMParser().parseFromString("<!DOCTYPE html><body>" + source, "text/html");
    var fragment = document.createDocumentFragment();
    var count = copyNodes(parsed.body, fragment, false);
    preview.replaceChildren(fragment);
    counter.textContent = count + "/" + max;
    counter.classList.toggle("text-danger", count > max);
    counter.classList.toggle("fw-bold", count > max);
    textarea.classList.toggle("is-invalid", count > max);
  }

  function escapeText(text) {
    return text.replace(/&(?=#?\w+;)/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // What heads often type: "www.site.fr" means https://www.site.fr, "nom@site.fr" an e-mail address.
  function completed(value) {
    var typed = value.trim();
    if (/^www\./i.test(typed)) return "https://" + typed;
    if (/^[^\s@:\/]+@[^\s@\/]+\.[a-z]{2,}$/i.test(typed)) return "mailto:" + typed;
    return typed;
  }

  function makeLink() {
    var typed = completed(urlInput.value);
    var href = allowedHref(typed);
    if (!href) {
      linkError.textContent = refusal(typed);
      linkError.hidden = false;
      urlInput.focus();
      return;
    }
    linkError.hidden = true;
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var selected = textarea.value.slice(start, end) || escapeText(href);
    var quoted = href.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
    var link = '<a href="' + quoted + '">' + selected + "</a>";
    textarea.setRangeText(link, start, end, "end");
    urlInput.value = "";
    textarea.focus();
    render();
  }

  textarea.addEventListener("input", render);
  if (linkButton && urlInput) {
    linkButton.addEventListener("click", makeLink);
    urlInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        makeLink();
      }
    });
  }
  render();
})();
