// An application's whole life with a person, in a real browser: sign up in the Shell, add a
// weight by hand, connect the sample web application (APPAUTH) declining its optional rule,
// come back with a wctoken and instanceid and see the weight the sample read, read it again
// offline; sign out of the application (APPSIGNOUT); decline a second time (reject path);
// create a record for a child through CREATERECORD; revoke the application on the record the
// sample uses and see the sample lose access.
import { open, env, check, step, screenshot, signUp, accessible } from './lib.mjs';

const shellUrl = env('HAVEN_SHELL_URL');
const sampleUrl = env('HAVEN_SAMPLE_URL');
const appId = env('HAVEN_APP_ID');
const person = {
  email: `ben.${Date.now()}@example.org`,
  password: 'correct horse battery staple',
  given: 'Ben',
  family: 'Okafor',
  birthDate: '1979-11-02',
  country: 'US',
};
const shell = (path) => new URL(path, shellUrl).href;
const sample = (path) => new URL(path, sampleUrl).href;

const { browser, page } = await open();
try {
  await signUp(page, shellUrl, person);
  check(new URL(page.url()).pathname === '/records', `after sign-up: ${page.url()}`);
  await page.locator('main').getByRole('link', { name: 'Ben Okafor' }).click();
  const recordPath = new URL(page.url()).pathname;
  await page.getByRole('link', { name: 'Add a weight' }).click();
  await page.getByLabel('Weight').fill('72.5');
  await page.getByRole('button', { name: 'Add the weight' }).click();
  check((await page.content()).includes('72.5 kg'), 'the record shows the weight');
  await screenshot(page, 'record');
  await accessible(page, 'record');
  step('weight added', { record: recordPath });

  // Connect the sample: the Shell shows the consent screen (already signed in).
  await page.goto(sample('/'));
  await page.locator('a#connect').click();
  check(new URL(page.url()).pathname === '/redirect.aspx', `the consent screen: ${page.url()}`);
  const heading = await page.locator('h1').textContent();
  check(heading.includes('Weight sample'), `the application is named: ${heading}`);
  const optional = page.locator('input[type=checkbox][name=online]');
  check((await optional.count()) === 1, 'one optional rule');
  await optional.uncheck();
  await screenshot(page, 'consent');
  await accessible(page, 'consent');
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  const landed = new URL(page.url());
  check(landed.origin === new URL(sampleUrl).origin && landed.pathname === '/action', `back at the sample: ${page.url()}`);
  check(landed.searchParams.get('target') === 'AppAuthSuccess', `target: ${page.url()}`);
  check(landed.searchParams.get('instanceid') === '1', `instanceid: ${page.url()}`);
  check((landed.searchParams.get('wctoken') || '').length > 20, 'a wctoken');
  const online = await page.locator('#weight').textContent();
  check(online.includes('72.5'), `the sample read the weight online: ${online}`);
  step('authorized', { online });

  await page.locator('a#home').click();
  const offline = await page.locator('#weight').textContent();
  check(offline.includes('72.5'), `the sample read the weight offline: ${offline}`);
  step('read offline', { offline });

  // APPSIGNOUT from the success page: go through connect again, then sign out of Haven.
  await page.locator('a#connect').click();
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  await page.locator('a#sign-out').click();
  check((await page.locator('#signed-out').count()) === 1, `signed out of the application: ${page.url()}`);
  check(new URL(page.url()).searchParams.get('target') === 'SignOut', `target SignOut: ${page.url()}`);
  step('signed out of the application');

  // APPSIGNOUT also ended the Shell session: connecting again asks to sign in, then the consent screen.
  await page.goto(sample('/'));
  await page.locator('a#connect').click();
  if (new URL(page.url()).pathname === '/signin') {
    await page.getByLabel('E-mail address').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.getByRole('button', { name: "Don't allow" }).click();
  check((await page.locator('#declined').count()) === 1, `the sample says the person declined: ${page.url()}`);
  check(new URL(page.url()).searchParams.get('target') === 'AppAuthReject', `target AppAuthReject: ${page.url()}`);
  step('declined');

  // CREATERECORD: a record for a child, then consent on it.
  const createRecord = shell(`/redirect.aspx?target=CREATERECORD&targetqs=${encodeURIComponent(`appid=${appId}&actionqs=child`)}`);
  await page.goto(createRecord);
  check(new URL(page.url()).pathname === '/records/new', `the new-record form: ${page.url()}`);
  await page.getByLabel('Their name').fill('Mia Okafor');
  await page.getByLabel('Who they are to you').selectOption({ label: 'Child' });
  await page.getByRole('button', { name: 'Create the record' }).click();
  check(new URL(page.url()).pathname === '/redirect.aspx', `consent for the new record: ${page.url()}`);
  check((await page.getByLabel(/Mia Okafor/).isChecked()), 'the new record is chosen');
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  const afterCreate = new URL(page.url());
  check(afterCreate.searchParams.get('target') === 'AppAuthSuccess' || afterCreate.searchParams.get('target') === 'SelectedRecordChanged',
    `back at the sample after CREATERECORD: ${page.url()}`);
  check((afterCreate.searchParams.get('wctoken') || '').length > 20, 'a wctoken for the new record');
  // (The sample refuses this return: it did not start the flow, so it does not know the actionqs.)
  step('record created', { target: afterCreate.searchParams.get('target') });

  // Revoke in the Shell, on the record the sample is connected to; the sample's next call,
  // offline, is refused and it offers to connect again.
  await page.goto(shell(`${recordPath}/applications`));
  await screenshot(page, 'applications');
  await accessible(page, 'applications');
  await page.getByRole('button', { name: /^Revoke/ }).click();
  check(!(await page.locator('main').textContent()).includes('Revoke'), 'no application left to revoke');
  await page.goto(sample('/'));
  check((await page.locator('#notice').count()) === 1, `the sample lost access: ${await page.content()}`);
  check((await page.locator('a#connect').count()) === 1, 'and offers to connect again');
  step('revoked', { record: recordPath });
} finally {
  await browser.close();
}
