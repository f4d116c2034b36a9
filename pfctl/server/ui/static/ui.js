// The web view's only script (no framework; the pages work without it).
// - Live parts: a page with data-refresh fetches itself every few seconds (one request) and swaps
//   in the new version of each element marked data-live (matched by id).
// - Logs: each <pre data-log> follows its log from the byte offset it stopped at until the job
//   has ended. Text is added as text nodes, never as HTML.
"use strict";

(function () {
  const LIVE_HEADER = "X-Pfctl-Live";

  function setState(text) {
    for (const element of document.querySelectorAll("[data-live-state]")) {
      element.textContent = text;
    }
  }

  async function refreshLiveParts() {
    const response = await fetch(window.location.href, {
      headers: { [LIVE_HEADER]: "1" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 401) {
      setState("signed out: reload to sign in again");
      return false;
    }
    if (!response.ok) {
      setState("not updating (" + response.status + ")");
      return true;
    }
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const element of fresh.querySelectorAll("[data-live][id]")) {
      const current = document.getElementById(element.id);
      if (current) {
        current.replaceWith(document.importNode(element, true));
      }
    }
    setState("updating live");
    return true;
  }

  function startRefresh() {
    const seconds = Number(document.body.dataset.refresh || 0);
    if (!seconds || !document.querySelector("[data-live]")) {
      return;
    }
    setState("updating live");
    const tick = async () => {
      let again = true;
      if (!document.hidden) {
        try {
          again = await refreshLiveParts();
        } catch (error) {
          setState("not updating: the server did not answer");
        }
      }
      if (again) {
        window.setTimeout(tick, seconds * 1000);
      }
    };
    window.setTimeout(tick, seconds * 1000);
  }

  function follow(pre) {
    let offset = Number(pre.dataset.offset || 0);
    const url = pre.dataset.log;
    const step = async () => {
      let done = false;
      try {
        const response = await fetch(url + "&offset=" + offset, {
          credentials: "same-origin",
          cache: "no-store",
        });
        if (!response.ok) {
          return;
        }
        const answer = await response.json();
        if (answer.content) {
          const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
          pre.appendChild(document.createTextNode(answer.content));
          if (atBottom) {
            pre.scrollTop = pre.scrollHeight;
          }
        }
        done = answer.final && answer.nextOffset === offset;
        offset = answer.nextOffset;
        pre.dataset.offset = String(offset);
      } catch (error) {
        // the server did not answer: try again on the next step
      }
      if (!done) {
        window.setTimeout(step, followDelay());
      } else {
        pre.dataset.ended = "";
      }
    };
    window.setTimeout(step, 0);
  }

  function followDelay() {
    return document.hidden ? 5000 : 1000;
  }

  document.addEventListener("DOMContentLoaded", () => {
    startRefresh();
    for (const pre of document.querySelectorAll("pre[data-log]")) {
      if (!("final" in pre.dataset)) {
        follow(pre);
      } else {
        pre.scrollTop = pre.scrollHeight;
      }
    }
  });
})();
