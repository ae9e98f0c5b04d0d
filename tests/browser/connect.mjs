// Patient Connect and DOPU in a real browser, against two instances. A person living in the
// Netherlands signs up at the EU Shell, redeems the clinic's connect request there (code,
// question, record, consent), picks up the clinic's package (things and a streamed file),
// cannot pick it up twice, picks up a package sealed by an independent Python implementation
// and one in the legacy 3DES format, locks a code with three wrong answers, and is told which
// instance holds a code that the EU does not.
import { open, env, check, step, screenshot, accessible, signUp } from './lib.mjs';

const euShell = env('HAVEN_EU_SHELL_URL');
const person = {
  email: env('HAVEN_PERSON_EMAIL'),
  password: 'correct horse battery staple',
  given: 'Saskia',
  family: 'Verbeek',
  birthDate: '1984-03-09',
  country: 'NL',
};

/** The Shell's redirect interface for `target` with the code in `targetqs`, as a clinic links it. */
function codeLink(target, code) {
  const link = new URL('/redirect.aspx', euShell);
  link.searchParams.set('target', target);
  link.searchParams.set('targetqs', `packageid=${code}`);
  return link.href;
}

/** Opens a clinic's link, sends the prefilled code and answers the question. */
async function answer(page, target, code, answerText) {
  await page.goto(codeLink(target, code));
  check((await page.getByLabel('Code from the clinic').inputValue()).replaceAll('-', '') === code.replaceAll('-', ''), 'the code is filled in');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('textbox').fill(answerText);
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Picks up the package `code` into the selected record; returns the done page's notice. */
async function pickUp(page, code, answerText) {
  await answer(page, 'PICKUP', code, answerText);
  check((await page.locator('h1').textContent()).includes('Collect information from'), `the package's contents: ${page.url()}`);
  const items = await page.locator('.package-items').textContent();
  await page.getByRole('button', { name: 'Add to this record' }).click();
  check((await page.locator('h1').textContent()).includes('Information collected'), `collected: ${await page.locator('main').textContent()}`);
  return { items, notice: await page.locator('.notice').textContent() };
}

const { browser, page } = await open();
try {
  await signUp(page, euShell, person);
  check(new URL(page.url()).pathname === '/records', `signed up in the EU: ${page.url()}`);
  step('signed up');

  // Patient Connect: the code, the question, then the consent with the record.
  await answer(page, 'CONNECT', env('HAVEN_CONNECT_CODE'), env('HAVEN_CONNECT_ANSWER').toUpperCase());
  const heading = await page.locator('h1').textContent();
  check(heading.includes('Allow') && heading.includes('Clinic'), `the consent for the clinic: ${heading}`);
  check((await page.locator('main').textContent()).includes('Saskia (patient 4711)'), 'the friendly name is shown');
  await screenshot(page, 'connect-consent');
  await accessible(page, 'connect consent');
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  check((await page.locator('h1').textContent()).includes('is connected'), `connected: ${await page.locator('main').textContent()}`);
  await accessible(page, 'connect done');
  step('connected');

  // DOPU: the clinic's package, with its file, into the same record.
  const first = await pickUp(page, env('HAVEN_PACKAGE_CODE'), env('HAVEN_PACKAGE_ANSWER'));
  await screenshot(page, 'picked-up');
  await accessible(page, 'pickup done');
  step('picked up', first);

  // The same package again: refused, nothing more written.
  await page.goto(codeLink('PICKUP', env('HAVEN_PACKAGE_CODE')));
  await page.getByRole('button', { name: 'Continue' }).click();
  const again = await page.locator('main').textContent();
  check(again.includes('already') && !again.includes('Information collected'), `a second pickup is refused: ${again}`);
  await accessible(page, 'second pickup');
  step('second pickup refused');

  // A package sealed by the Python implementation, and one in the legacy 3DES format.
  const python = await pickUp(page, env('HAVEN_PYTHON_PACKAGE_CODE'), env('HAVEN_PACKAGE_ANSWER'));
  step('python package picked up', python);
  const legacy = await pickUp(page, env('HAVEN_LEGACY_PACKAGE_CODE'), env('HAVEN_PACKAGE_ANSWER'));
  step('legacy package picked up', legacy);

  // Three wrong answers lock a code for good.
  const lockCode = env('HAVEN_LOCK_CODE');
  await page.goto(codeLink('CONNECT', lockCode));
  await page.getByRole('button', { name: 'Continue' }).click();
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    await page.getByRole('textbox').fill(`wrong answer ${attempt}`);
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  const locked = await page.locator('main').textContent();
  check(locked.includes('locked'), `the code is locked: ${locked}`);
  // Coming back with the code, she is not asked the question again.
  await page.goto(codeLink('CONNECT', lockCode));
  await page.getByRole('button', { name: 'Continue' }).click();
  const stillLocked = await page.locator('main').textContent();
  check(stillLocked.includes('locked') && (await page.getByRole('textbox').count()) === 0, `still locked: ${stillLocked}`);
  await accessible(page, 'locked code');
  step('locked');

  // A code the US instance holds: the EU Shell names the instance and nothing else.
  await page.goto(codeLink('PICKUP', env('HAVEN_US_PACKAGE_CODE')));
  await page.getByRole('button', { name: 'Continue' }).click();
  const elsewhere = await page.locator('main').textContent();
  check(elsewhere.includes('Haven US'), `the instance holding the code is named: ${elsewhere}`);
  check(!elsewhere.includes('US patient'), 'nothing about the package is shown');
  await screenshot(page, 'other-instance');
  await accessible(page, 'code of another instance');
  step('other instance named');
} finally {
  await browser.close();
}
