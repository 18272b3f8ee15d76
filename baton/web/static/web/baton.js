/* Baton: our own small glue (no build step). Loaded before Alpine so its components register in time. */
(function () {
  "use strict";

  /* The report form: suggest the title from the asset's kind and the fault ("冷柜" + "不制冷"),
     until the person types their own. */
  document.addEventListener("alpine:init", function () {
    window.Alpine.data("batonReport", function (format) {
      return {
        title: "",
        edited: false,
        init: function () {
          this.title = this.$root.querySelector("[name=title]").value;
          this.edited = this.title.trim() !== "";
          this.suggest();
        },
        suggest: function () {
          if (this.edited) { return; }
          var asset = this.$root.querySelector("[name=asset]");
          var fault = this.$root.querySelector("[name=fault_category]");
          var assetOption = asset.options[asset.selectedIndex];
          var faultOption = fault.options[fault.selectedIndex];
          var equipment = assetOption && assetOption.value ? (assetOption.dataset.label || "") : "";
          var faultText = faultOption && faultOption.value ? faultOption.text : "";
          if (!faultText) { this.title = ""; return; }
          this.title = equipment ? format.replace("%(equipment)s", equipment).replace("%(fault)s", faultText) : faultText;
        },
        typed: function () {
          this.edited = this.title.trim() !== "";
          if (!this.edited) { this.suggest(); }
        }
      };
    });
  });

  /* Photo picker: every pick (camera shot or files) keeps its own <input>, so a phone can add
     photos one at a time; previews show what will be sent. */
  function setupPhotoPicker(root) {
    if (root.dataset.ready) { return; }
    root.dataset.ready = "1";
    var max = parseInt(root.dataset.max || "6", 10);
    var stash = root.querySelector("[data-stash]");
    var previews = root.querySelector("[data-previews]");
    var slot = root.querySelector("[data-slot]");
    var counter = root.querySelector("[data-count]");
    var error = root.querySelector("[data-photo-error]");

    function count() {
      var n = 0;
      stash.querySelectorAll("input[type=file]").forEach(function (input) { n += input.files.length; });
      return n;
    }
    function refresh() {
      var n = count();
      counter.textContent = n ? "(" + n + "/" + max + ")" : "";
      slot.hidden = n >= max;
    }
    function onChange(event) {
      var input = event.target;
      if (!input.files || !input.files.length) { return; }
      if (count() + input.files.length > max) {
        error.classList.add("d-block");
        input.value = "";
        return;
      }
      error.classList.remove("d-block");
      var fresh = input.cloneNode();
      fresh.value = "";
      fresh.addEventListener("change", onChange);
      var group = document.createElement("div");
      group.className = "d-flex flex-wrap gap-2 align-items-start";
      Array.prototype.forEach.call(input.files, function (file) {
        var img = document.createElement("img");
        img.className = "baton-thumb";
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        group.appendChild(img);
      });
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-ghost-danger";
      remove.textContent = "×";
      remove.setAttribute("aria-label", "remove");
      remove.addEventListener("click", function () {
        stash.removeChild(input);
        previews.removeChild(group);
        error.classList.remove("d-block");
        refresh();
      });
      group.appendChild(remove);
      stash.appendChild(input);
      slot.appendChild(fresh);
      previews.appendChild(group);
      refresh();
    }
    slot.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", onChange);
    });
  }

  function setup(root) {
    root.querySelectorAll("[data-photo-picker]").forEach(setupPhotoPicker);
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.target;
    if (root && root.querySelectorAll) { setup(root); }
  });

  /* htmx drops 4xx responses. A form marked data-swap-errors gets its refusal back re-rendered
     (422: the field errors; 409: why it no longer applies), so swap those in like a success. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if ((status === 422 || status === 409) && form && form.closest && form.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* Disable a form's submit buttons once it is sent, so a double tap does not post twice. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post" || event.defaultPrevented) {
      return;
    }
    window.setTimeout(function () {
      form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll('form button[type="submit"][disabled]').forEach(function (b) { b.disabled = false; });
  });
})();
