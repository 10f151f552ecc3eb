// One Lighthouse run for bench/lighthouse.py, as a signed-in user would see the
// page: the session cookie goes into Chromium's own cookie jar (Lighthouse's
// --extra-headers would add it to the page's requests only, not to those of
// its service worker, and a page's own Set-Cookie would not be kept).
// Lighthouse does not clear cookies between runs, only other storage.
//
//   node run.mjs <url> <report path without extension> '<cookies JSON>' '<Lighthouse flags JSON>'
//
// Cookies: [{"name", "value", "url"}]. Writes <path>.report.json and .html.
import { writeFileSync } from "node:fs";

import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const [url, reportBase, cookiesJson = "[]", flagsJson = "{}"] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
});
let failed = false;
try {
  const cookies = JSON.parse(cookiesJson);
  if (cookies.length) {
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
    const page = await browser.newPage();
    await page.setCookie(...cookies);
    await page.close();
    await browser.disconnect();
  }
  const result = await lighthouse(url, {
    port: chrome.port,
    output: ["json", "html"],
    logLevel: "error",
    onlyCategories: ["performance", "accessibility", "best-practices"],
    maxWaitForLoad: 60000,
    ...JSON.parse(flagsJson),
  });
  const [json, html] = result.report;
  writeFileSync(`${reportBase}.report.json`, json);
  writeFileSync(`${reportBase}.report.html`, html);
  if (result.lhr.runtimeError) {
    console.error(result.lhr.runtimeError.message);
    failed = true;
  }
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  await chrome.kill();
}
process.exit(failed ? 1 : 0);
