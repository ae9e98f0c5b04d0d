// Sharing a record in a real browser, in phases the Rust test runs in turn (HAVEN_PHASE):
// "invite": Lena opens an account in the EU; Ana signs up in the US, adds a weight, is refused
//   when she invites Lena (her account is in another instance), then invites Bo, view only, until
//   a date, and reads the code to give him.
// "accept": Bo signs up in the US, opens the e-mailed link, types a wrong code and then the right
//   one, sees Ana's record read-only, and connects the weight sample to Ana's record.
// "revoke": Ana removes Bo, and sees Bo's and the sample's accesses in the record's history.
// "after": Bo no longer has the record.
import { open, env, check, step, screenshot, accessible, signUp, signIn } from './lib.mjs';

const usShell = env('HAVEN_US_SHELL_URL');
const password = 'correct horse battery staple';
const ana = { email: 'ana.share@example.org', password, given: 'Ana', family: 'Silva', birthDate: '1975-02-11', country: 'US' };
const bo = { email: 'bo.share@example.org', password, given: 'Bo', family: 'Berg', birthDate: '1980-07-30', country: 'US' };
const lena = { email: 'lena.share@example.org', password, given: 'Lena', family: 'Visser', birthDate: '1990-01-05', country: 'NL' };
const us = (path) => new URL(path, usShell).href;

async function mainText(page) {
  return page.locator('main').textContent();
}

/** Fills the invitation form on Ana's sharing page and sends it. */
async function invite(page, person, until) {
  await page.getByLabel('Their e-mail address').fill(person.email);
  await page.getByLabel('Their name').fill(person.given);
  await page.getByLabel('How they relate to the person this record is about').selectOption({ label: 'Spouse' });
  await page.getByLabel('View only').check();
  if (until) await page.getByLabel('Access until (optional)').fill(until);
  await page.getByRole('button', { name: 'Send the invitation' }).click();
}

async function invitePhase(page) {
  await signUp(page, env('HAVEN_EU_SHELL_URL'), lena);
  step('lena signed up in the EU');
  await signUp(page, usShell, ana);
  check(new URL(page.url()).pathname === '/records', `Ana signed up: ${page.url()}`);
  await page.locator('main').getByRole('link', { name: 'Ana Silva' }).click();
  const recordPath = new URL(page.url()).pathname;
  await page.getByRole('link', { name: 'Add a weight' }).click();
  await page.getByLabel('Weight').fill('61.5');
  await page.getByRole('button', { name: 'Add the weight' }).click();
  await page.getByRole('link', { name: 'Sharing' }).click();
  await accessible(page, 'sharing');
  await invite(page, lena, '');
  const refused = await mainText(page);
  check(refused.includes('is kept by Haven EU') && refused.includes('Nothing was shared'), `refused with the guidance: ${refused}`);
  step('other instance refused');
  await invite(page, bo, env('HAVEN_SHARE_UNTIL'));
  const code = (await page.locator('#sharing-code').textContent()).trim();
  check(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(code), `a code to pass on: ${code}`);
  await screenshot(page, 'invited');
  await accessible(page, 'invited');
  step('invited', { code, record: recordPath });
}

async function acceptPhase(page) {
  await signUp(page, usShell, bo);
  step('bo signed up');
  await page.goto(us(env('HAVEN_INVITATION_PATH')));
  check((await page.locator('h1').textContent()).includes('Ana Silva shared a record with you'), `the invitation: ${await mainText(page)}`);
  await accessible(page, 'accept');
  await page.getByLabel('Code').fill('AAAA-AAAA');
  await page.getByRole('button', { name: 'Accept' }).click();
  check((await mainText(page)).includes('2 more tries'), 'a wrong code is counted');
  await page.getByLabel('Code').fill(env('HAVEN_SHARING_CODE').toLowerCase());
  await page.getByRole('button', { name: 'Accept' }).click();
  const record = await mainText(page);
  check(record.includes('Shared with you') && record.includes('61.5 kg'), `Bo sees Ana's record: ${record}`);
  check(!record.includes('Add a weight'), 'Bo cannot add to it');
  await screenshot(page, 'shared-record');
  const recordPath = new URL(page.url()).pathname;
  const weightForm = await page.goto(us(`${recordPath}/weight`));
  check(weightForm.status() === 403, `the weight form is refused: ${weightForm.status()}`);
  step('accepted read-only', { record: recordPath });

  // Bo connects the weight sample to Ana's record.
  await page.goto(env('HAVEN_SAMPLE_URL'));
  await page.locator('a#connect').click();
  check((await mainText(page)).includes('shared with you, view only: the application can do no more than you'), 'the consent says the share limits the sample');
  await page.getByLabel(/^Ana Silva/).check();
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  const weight = await page.locator('#weight').textContent();
  check(weight.includes('61.5'), `the sample reads Ana's weight for Bo: ${weight}`);
  step('sample connected');
}

async function revokePhase(page) {
  await page.goto(us('/signin'));
  await signIn(page, ana);
  await page.goto(us(`${env('HAVEN_RECORD_PATH')}/sharing`));
  const sharing = await mainText(page);
  check(sharing.includes('Bo Berg') && sharing.includes('View only'), `Bo is listed: ${sharing}`);
  await page.getByRole('button', { name: 'Remove Bo Berg' }).click();
  check((await mainText(page)).includes('Their access was removed'), 'Bo was removed');
  step('removed');
  await page.getByRole('link', { name: 'See who used this record and when' }).click();
  const history = await mainText(page);
  check(history.includes('Bo Berg') && history.includes('Weight sample'), `Bo and the sample in the history: ${history}`);
  await screenshot(page, 'history');
  await accessible(page, 'history');
  step('history shown');
}

async function afterPhase(page) {
  await page.goto(us('/signin'));
  await signIn(page, bo);
  const records = await mainText(page);
  check(!records.includes('Ana Silva'), `Ana's record is gone from Bo's list: ${records}`);
  const gone = await page.goto(us(env('HAVEN_RECORD_PATH')));
  check(gone.status() === 404, `Ana's record is no page for Bo: ${gone.status()}`);
  step('access lost');
}

const { browser, page } = await open();
try {
  const phase = env('HAVEN_PHASE');
  if (phase === 'invite') await invitePhase(page);
  else if (phase === 'accept') await acceptPhase(page);
  else if (phase === 'revoke') await revokePhase(page);
  else if (phase === 'after') await afterPhase(page);
  else throw new Error(`unknown phase ${phase}`);
} finally {
  await browser.close();
}
