// The web chat demo page in a real browser (Debian's chromium, headless,
// driven by puppeteer-core), against the real omnigate stack that
// tests/e2e/webchat_browser_e2e_test.cc started. A visitor opens the chat,
// asks a question and sees the bot's FAQ answer, asks for a human, sees
// the agent's reply (sent by the C++ test with Outbound.Send once this
// script reports the handoff), reloads and sees the whole history; then,
// while the C++ test kills ingest (kill -9) and starts it again, types a
// message that must be acknowledged once ingest is back and survive a
// reload. Fails on any console error or page error (refused connections
// while ingest is down excepted). Screenshots go to --out.
//
// node webchat_demo.test.mjs --url URL --out DIR --handoff FILE --reloaded FILE
//                            [--chromium PATH]

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import puppeteer from "puppeteer-core";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const url = arg("url");
const out = arg("out");
const handoffFile = arg("handoff");
// Files shared with the C++ side for the kill -9 step: we write `reloaded`,
// it kills ingest and starts it again.
const reloadedFile = arg("reloaded");
const chromium = arg("chromium", "/usr/bin/chromium");
const TIMEOUT_MS = 30000;

const problems = [];
// While the C++ side has ingest killed, the browser rightly reports refused
// connections; only those, and only then, are not failures.
let ingestDown = false;
const EXPECTED_WHILE_DOWN = /ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/;
const timings = {};
const log = (...a) => console.log("[browser]", ...a);

// How this machine must start chromium: no sandbox as root, and no
// background traffic (the network is closed; every attempt is refused).
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

async function texts(page, selector) {
  return page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent));
}

async function waitForText(page, selector, needle) {
  await page.waitForFunction(
    (sel, text) => [...document.querySelectorAll(sel)].some((n) => n.textContent.includes(text)),
    { timeout: TIMEOUT_MS },
    selector,
    needle,
  );
}

async function ask(page, text) {
  await page.focus(".ogw-input");
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}

let browser = null;

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "omnigate-chromium-"));
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: CHROMIUM_FLAGS,
    userDataDir: profile,
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1000, height: 760 });
    page.on("console", (m) => {
      if (m.type() !== "error") return;
      if (ingestDown && EXPECTED_WHILE_DOWN.test(m.text())) return;
      problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));

    await page.goto(url, { waitUntil: "load" });
    await page.waitForSelector(".ogw-launcher", { timeout: TIMEOUT_MS });
    // Keyboard only: Tab to the launcher, Enter opens, focus lands in the input.
    await page.focus(".ogw-launcher");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".ogw-panel:not([hidden])", { timeout: TIMEOUT_MS });
    const focused = await page.evaluate(() => document.activeElement.className);
    if (!focused.includes("ogw-input")) problems.push(`focus after opening: ${focused}`);

    let start = Date.now();
    await ask(page, "What are your opening hours?");
    await waitForText(page, ".ogw-bot .ogw-body", "Monday to Friday");
    timings.faq_answer_ms = Date.now() - start;
    await page.screenshot({ path: path.join(out, "1-faq-answer.png") });
    log(`FAQ answer shown after ${timings.faq_answer_ms} ms`);

    await ask(page, "I want to talk to a human agent");
    await waitForText(page, ".ogw-bot .ogw-body", "human agent");
    // Tell the C++ side who to answer: the visitor id inside the token.
    const visitor = await page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith("omnigate-webchat:"));
      const payload = localStorage.getItem(key).split(".")[0];
      const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
      return JSON.parse(json).sub;
    });
    fs.writeFileSync(handoffFile, JSON.stringify({ visitor_id: visitor }));
    start = Date.now();
    log(`handoff seen; visitor ${visitor}`);

    await waitForText(page, ".ogw-agent .ogw-body", "from the shop team");
    await waitForText(page, ".ogw-system", "An agent joined the chat");
    timings.agent_reply_after_handoff_ms = Date.now() - start;
    await page.screenshot({ path: path.join(out, "2-agent-reply.png") });

    // Escape closes the chat and gives focus back to the launcher.
    await page.focus(".ogw-input");
    await page.keyboard.press("Escape");
    const closed = await page.$eval(".ogw-panel", (p) => p.hidden);
    if (!closed) problems.push("Escape did not close the chat");

    // A reload shows the history: both sides, in order, once each.
    await page.reload({ waitUntil: "load" });
    await page.waitForFunction(() => document.querySelectorAll(".ogw-msg").length >= 5, {
      timeout: TIMEOUT_MS,
    });
    await new Promise((r) => setTimeout(r, 500)); // nothing more should arrive
    const roles = await page.$$eval(".ogw-msg", (nodes) =>
      nodes.map((n) => n.className.replace(/.*ogw-(customer|bot|agent).*/, "$1")),
    );
    const expected = ["customer", "bot", "customer", "bot", "agent"];
    if (JSON.stringify(roles) !== JSON.stringify(expected)) {
      problems.push(`history after reload: ${JSON.stringify(roles)}, want ${JSON.stringify(expected)}`);
    }
    const shown = await texts(page, ".ogw-msg .ogw-body");
    log(`history after reload: ${JSON.stringify(shown)}`);
    await page.screenshot({ path: path.join(out, "3-after-reload.png") });

    // kill -9 of ingest while the visitor is connected: the widget notices,
    // a message typed meanwhile is retried until ingest is back and then
    // acknowledged, and a reload shows it: nothing acknowledged is lost.
    ingestDown = true;
    fs.writeFileSync(reloadedFile, "1");
    await waitForText(page, ".ogw-notice", "reconnecting");
    start = Date.now();
    await ask(page, "Are you still there?");
    await page.waitForFunction(
      () => {
        const last = [...document.querySelectorAll(".ogw-customer")].pop();
        return last && last.textContent.includes("still there") &&
          !last.classList.contains("ogw-pending") && !last.classList.contains("ogw-failed");
      },
      { timeout: 60000 },
    );
    timings.acknowledged_after_kill_ms = Date.now() - start;
    await page.waitForFunction(() => document.querySelector(".ogw-notice").hidden, {
      timeout: TIMEOUT_MS,
    });
    ingestDown = false;
    await page.reload({ waitUntil: "load" });
    await waitForText(page, ".ogw-customer .ogw-body", "still there");
    const after = await texts(page, ".ogw-customer .ogw-body");
    if (after.filter((t) => t.includes("still there")).length !== 1) {
      problems.push(`after the kill: ${JSON.stringify(after)}`);
    }
    await page.screenshot({ path: path.join(out, "4-after-ingest-restart.png") });

    // The page's language picks the widget's: Indonesian on ?lang=id.
    await page.goto(`${url}?lang=id`, { waitUntil: "load" });
    await waitForText(page, ".ogw-launcher", "Chat dengan kami");
    const placeholder = await page.$eval(".ogw-input", (i) => i.placeholder);
    if (placeholder !== "Ketik pesan Anda") problems.push(`Indonesian placeholder: ${placeholder}`);
    await waitForText(page, ".ogw-agent .ogw-author", "Petugas");
    await page.screenshot({ path: path.join(out, "5-indonesian.png") });
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

// Never hang a test run: give up (closing the browser) after two minutes.
const watchdog = setTimeout(() => {
  console.error("[browser] FAIL timed out");
  browser?.process()?.kill("SIGKILL");
  process.exit(3);
}, 120000);
// The C++ test stops us with SIGTERM when it gives up: take chromium along.
process.on("SIGTERM", () => {
  browser?.process()?.kill("SIGKILL");
  process.exit(4);
});

main()
  .then(() => {
    clearTimeout(watchdog);
    log(`timings ${JSON.stringify(timings)}`);
    if (problems.length > 0) {
      for (const p of problems) console.error(`[browser] FAIL ${p}`);
      process.exit(1);
    }
    log("PASS");
  })
  .catch((e) => {
    clearTimeout(watchdog);
    console.error(`[browser] FAIL ${e.stack || e}`);
    for (const p of problems) console.error(`[browser] FAIL ${p}`);
    process.exit(1);
  });
