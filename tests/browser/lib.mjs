// What the browser tests share: Debian's Chromium launched headless through playwright-core
// (never a downloaded browser), the Shell under test, and a folder for screenshots.
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A required environment variable, or a clear failure. */
export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; crates/haven/tests/e2e/browser.rs sets it`);
  return value;
}

/** Launches Chromium and opens a page; returns { browser, context, page }. */
export async function open() {
  const browser = await chromium.launch({
    executablePath: process.env.HAVEN_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking'],
    headless: true,
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  return { browser, context, page };
}

/** Saves a full-page screenshot as NAME.png in the test's output folder. */
export async function screenshot(page, name) {
  const directory = env('HAVEN_OUTPUT_DIR');
  mkdirSync(directory, { recursive: true });
  await page.screenshot({ path: join(directory, `${name}.png`), fullPage: true });
}

/**
 * Checks the page with axe-core against WCAG 2.1 A and AA; fails listing every violation.
 * `name` says which page in the message.
 */
export async function accessible(page, name) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  if (results.violations.length > 0) {
    const lines = results.violations.map(
      (violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
    throw new Error(`accessibility problems on the ${name} page:\n${lines.join('\n')}`);
  }
}

/** Fails with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Prints one step as a JSON line for the Rust test to read. */
export function step(name, details = {}) {
  console.log(JSON.stringify({ step: name, ...details }));
}

/**
 * Fills and sends the sign-up form: the country first, then the rest. Opens /signup afresh
 * unless `here` is true (the page is already the sign-up page, with its `next`). A country
 * served by another instance moves the browser to that instance's Shell before the rest.
 */
export async function signUp(page, shellUrl, person, { here = false } = {}) {
  if (!here) await page.goto(new URL('/signup', shellUrl).href);
  await page.getByLabel('Country where you live').selectOption(person.country);
  await page.getByRole('button', { name: 'Continue' }).click();
  await fillSignUpDetails(page, person);
}

/** Fills and sends the second sign-up step (after the country). */
export async function fillSignUpDetails(page, person) {
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill(person.password);
  await page.getByLabel('Password again').fill(person.password);
  await page.getByLabel('First name').fill(person.given);
  await page.getByLabel('Last name').fill(person.family);
  await page.getByLabel('Date of birth').fill(person.birthDate);
  await page.getByRole('button', { name: 'Create the account' }).click();
}

/** Fills and sends the sign-in form on the current page. */
export async function signIn(page, person) {
  await page.getByLabel('E-mail address').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
