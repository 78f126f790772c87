// SPDX-License-Identifier: GPL-3.0-or-later
// A thin driver for Debian's chromium, so the Python browser tests can script a real
// browser the way they script nlchat in tmux: one JSON command per line on stdin, one
// JSON answer per line on stdout. Playwright (playwright-core, no browser download) does
// the driving; each "open" is a new browser context, i.e. a fresh, cookieless tab.
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  // Without the background-networking flags chromium keeps trying hosts this closed
  // network refuses; --no-sandbox because tests run as root.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});

const pages = new Map();
const problems = [];

// A locator for `selector`, inside the frame `c.frame` if one is named.
function locate(page, c) {
  return (c.frame ? page.frameLocator(c.frame) : page).locator(c.selector).first();
}

async function poll(check, timeout, what) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function run(c) {
  const page = pages.get(c.page);
  const timeout = c.timeout ?? 10000;
  switch (c.op) {
    case "open": {
      const context = await browser.newContext({ viewport: { width: c.width ?? 1280, height: c.height ?? 800 },
                                                 isMobile: !!c.mobile, hasTouch: !!c.mobile });
      const p = await context.newPage();
      p.on("console", (m) => { if (m.type() === "error") problems.push(`${c.page}: ${m.text()}`); });
      p.on("pageerror", (e) => problems.push(`${c.page}: ${e.message}`));
      pages.set(c.page, p);
      await p.goto(c.url);
      return null;
    }
    case "fill": return locate(page, c).fill(c.text, { timeout });
    case "type": return locate(page, c).pressSequentially(c.text, { delay: c.delay ?? 20, timeout });
    case "press": return locate(page, c).press(c.key, { timeout });
    case "click": return locate(page, c).click({ timeout });
    case "keyboard": return page.keyboard.press(c.key);
    case "keys": return page.keyboard.type(c.text, { delay: c.delay ?? 10 });
    case "aria": return locate(page, c).ariaSnapshot({ timeout });
    case "wait_text":
      return poll(async () => (await locate(page, c).innerText({ timeout: 500 })).includes(c.text), timeout,
                  `"${c.text}" in ${c.selector}`);
    case "wait_gone":
      return poll(async () => !(await locate(page, c).innerText({ timeout: 500 })).includes(c.text), timeout,
                  `"${c.text}" to leave ${c.selector}`);
    case "wait_visible":
      return poll(async () => (await locate(page, c).isVisible()) === (c.visible ?? true), timeout,
                  `${c.selector} to be ${c.visible ?? true ? "shown" : "hidden"}`);
    case "text": return locate(page, c).innerText({ timeout });
    case "attr": return locate(page, c).getAttribute(c.name, { timeout });
    case "eval": return page.evaluate(c.expr);
    case "reload": await page.reload(); return null;
    case "screenshot": await page.screenshot({ path: c.path }); return null;
    case "close": await page.context().close(); pages.delete(c.page); return null;
    case "problems": return problems.splice(0);
    case "quit": await browser.close(); process.exit(0);
    default: throw new Error(`unknown op ${c.op}`);
  }
}

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  let c;
  try {
    c = JSON.parse(line);
    const value = await run(c);
    process.stdout.write(JSON.stringify({ ok: true, value: value ?? null }) + "\n");
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message || e) }) + "\n");
  }
}
await browser.close();
