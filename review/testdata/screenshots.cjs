// Makes docs/review-trace.png and docs/review-report.png: labels ten traces
// with the keyboard alone, then captures a trace and the report.
//   go run ./cmd/synthgen create examples/tool_use_sft.yaml -n 30 -o /tmp/x --seed 7
//   go run ./cmd/synthgen review /tmp/x/dataset --reviewer ana &
//   node review/testdata/screenshots.cjs ~/.cache/synthgen/playwright-core-1.65.1 http://127.0.0.1:7860 docs
// (the module directory is the one TestReviewInBrowser installs).
'use strict';
const path = require('path');
const [moduleDir, base, outDir] = process.argv.slice(2);
const { chromium } = require(path.join(moduleDir, 'node_modules', 'playwright-core'));

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => { throw e; });
    const heading = () => page.textContent('#trace-head h1');
    const next = async (press) => {
      const before = await heading();
      await press();
      await page.waitForFunction((b) => document.querySelector('#trace-head h1').textContent !== b, before);
    };
    await page.goto(base + '/');
    await page.waitForSelector('body[data-ready="1"]');

    // Ten traces, keyboard only.
    const plan = ['1', '1', 'fail:right number, but the rest of the answer is filler', '1', 'd', '1',
      'fail:quotes the tool result, then pads it with unrelated text', '1', '1', '1'];
    for (const step of plan) {
      if (step.startsWith('fail:')) {
        await page.keyboard.press('2');
        await page.waitForFunction(() => document.activeElement.id === 'notes');
        await page.keyboard.type(step.slice(5));
        await page.keyboard.press('Tab');
        await page.keyboard.type('filler');
        await next(() => page.keyboard.press('Control+Enter'));
      } else {
        await next(() => page.keyboard.press(step));
      }
    }

    // A search_docs trace with its reasoning open, labelled fail.
    for (let i = 0; i < 4; i++) await next(() => page.keyboard.press('ArrowLeft'));
    await page.evaluate(() => { for (const d of document.querySelectorAll('details.reasoning')) d.open = true; });
    await page.screenshot({ path: path.join(outDir, 'review-trace.png') });

    await page.goto(base + '/report');
    await page.waitForSelector('#report-view table, #report-view .cards');
    await page.setViewportSize({ width: 1100, height: 520 });
    await page.screenshot({ path: path.join(outDir, 'review-report.png') });
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
