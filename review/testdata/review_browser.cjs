// Drives the review page in headless Chromium (Debian's /usr/bin/chromium)
// through playwright-core, for TestReviewInBrowser:
//   node review_browser.cjs MODULE_DIR URL
// MODULE_DIR holds node_modules/playwright-core. Prints one JSON object with
// what the page showed; the Go test checks it and annotations.jsonl.
'use strict';
const path = require('path');
const [moduleDir, base] = process.argv.slice(2);
const { chromium } = require(path.join(moduleDir, 'node_modules', 'playwright-core'));

const text = (s) => s.replace(/\s+/g, ' ').trim();

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const out = { pageErrors: [], external: [], steps: {} };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => out.pageErrors.push(e.message));
    // Nothing may leave the server's origin.
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(base)) return route.continue();
      out.external.push(u);
      return route.abort();
    });
    const heading = () => page.textContent('#trace-head h1');
    const waitHeading = (text) => page.waitForFunction(
      (t) => { const h = document.querySelector('#trace-head h1'); return h && h.textContent === t; }, text, { timeout: 10000 })
      .catch(async (e) => {
        throw new Error(`waiting for ${text}: the page shows ${await heading()}, status ${JSON.stringify(await page.textContent('#status'))}: ${e.message}`);
      });

    await page.goto(base + '/');
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
    out.steps.start = await heading();

    // 2: fail, the cursor goes to the notes; type a note; Ctrl+Enter saves
    // and moves on.
    await page.keyboard.press('2');
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'notes');
    out.steps.failSelected = await page.getAttribute('#btn-fail', 'class');
    await page.keyboard.type('the sum is wrong: 2+2 is not 5');
    await page.keyboard.press('Control+Enter');
    await waitHeading('Row 1');
    out.steps.afterSave = await heading();
    out.steps.progressAfterSave = text(await page.innerText('#progress'));

    // u: undo goes back to the row and restores its label (none).
    await page.keyboard.press('u');
    await waitHeading('Row 0');
    await page.waitForFunction(() => document.querySelector('#label-state').textContent.startsWith('not labelled'));
    out.steps.afterUndo = await heading();
    out.steps.labelAfterUndo = await page.textContent('#label-state');
    out.steps.notesAfterUndo = await page.inputValue('#notes');

    // →, then 1: pass saves and moves on.
    await page.keyboard.press('ArrowRight');
    await waitHeading('Row 1');
    await page.keyboard.press('1');
    await waitHeading('Row 2');
    out.steps.progress = text(await page.innerText('#progress'));
    out.steps.strip = await page.$$eval('#strip button', (bs) => bs.map((b) => b.textContent + ':' + b.className.trim()));

    // /: the filter box; a bad filter shows where it is wrong, nothing else
    // changes; Escape leaves the box and keys work again.
    await page.keyboard.press('/');
    out.steps.filterFocused = await page.evaluate(() => document.activeElement.id);
    await page.keyboard.type('eq(run_typ, "tool")');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#filter-error:not([hidden])');
    out.steps.filterError = await page.textContent('#filter-error');
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowLeft');
    await waitHeading('Row 1');
    out.steps.afterEscape = await heading();

    // Every trace of the fixture carries the injection text in its user
    // message; the judge and the answer may echo parts of it.
    out.injection = await page.evaluate(() => ({
      pwned: typeof window.__pwned,
      scripts: Array.from(document.scripts).map((s) => s.getAttribute('src')),
      images: document.images.length,
      iframes: document.querySelectorAll('iframe, object, embed').length,
      jsLinks: Array.from(document.querySelectorAll('a')).filter((a) => !(a.getAttribute('href') || '').startsWith('#') && a.getAttribute('href') !== '/' && a.getAttribute('href') !== '/report').length,
      handlers: Array.from(document.querySelectorAll('*')).filter((e) => Array.from(e.attributes).some((a) => a.name.startsWith('on'))).length,
      userText: document.querySelector('.msg.role-user').textContent,
      codeKeywords: Array.from(document.querySelectorAll('.msg.role-system pre code .tok-kw, .msg.role-system pre code .tok-com')).map((e) => e.textContent),
      toolCalls: document.querySelectorAll('.call').length,
      results: document.querySelectorAll('.call .result').length,
    }));
    // The report view shows the same counts.
    await page.goto(base + '/report');
    await page.waitForSelector('#report-view .cards');
    out.report = text(await page.innerText('#report-view .cards'));
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
