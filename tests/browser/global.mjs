// Two instances as one service, in a real browser. A person living in the Netherlands starts
// sign-up at the US Shell and ends with an account in the EU. Then the sample web application
// (default instance US, multi-instance aware) sends her to the US Shell's APPAUTH: she signs
// in there, is sent on to the EU Shell, signs in and consents there, and the sample gets
// instanceid 2 and reads and writes her data through the EU Platform. Finally an APPAUTH with
// aib=false at the US Shell is refused with an explanation.
import { open, env, check, step, screenshot, accessible, signIn, fillSignUpDetails } from './lib.mjs';

const usShell = env('HAVEN_US_SHELL_URL');
const euShell = env('HAVEN_EU_SHELL_URL');
const sampleUrl = env('HAVEN_SAMPLE_URL');
const appId = env('HAVEN_APP_ID');
const person = {
  email: env('HAVEN_PERSON_EMAIL'),
  password: 'correct horse battery staple',
  given: env('HAVEN_PERSON_GIVEN'),
  family: env('HAVEN_PERSON_FAMILY'),
  birthDate: '1990-06-14',
  country: 'NL',
};
const origin = (url) => new URL(url).origin;
const sample = (path) => new URL(path, sampleUrl).href;

const { browser, context, page } = await open();
try {
  // Sign-up at the US Shell: choosing the Netherlands moves her to the EU Shell's form.
  await page.goto(new URL('/signup', usShell).href);
  await page.getByLabel('Country where you live').selectOption(person.country);
  await page.getByRole('button', { name: 'Continue' }).click();
  check(origin(page.url()) === origin(euShell), `sign-up goes on at the EU Shell: ${page.url()}`);
  const notice = await page.locator('.notice').textContent();
  check(notice.includes('Haven EU') && notice.includes('Haven US sent you here'), `the EU Shell says why: ${notice}`);
  await screenshot(page, 'signup-bounced');
  await accessible(page, 'sign-up after the move');
  await fillSignUpDetails(page, person);
  check(origin(page.url()) === origin(euShell) && new URL(page.url()).pathname === '/records', `signed up in the EU: ${page.url()}`);
  step('signed up in EU');

  // A new browser session: the sample's Connect link goes to the US Shell.
  await context.clearCookies();
  await page.goto(sample('/'));
  await page.locator('a#connect').click();
  check(origin(page.url()) === origin(usShell) && new URL(page.url()).pathname === '/signin', `sign in at the US Shell first: ${page.url()}`);
  const connectRequest = new URL(page.url()).searchParams.get('next') || '';
  check(connectRequest.includes('aib%3Dtrue') || connectRequest.includes('aib=true'), `the sample allows the move: ${connectRequest}`);
  await signIn(page, person);
  check(origin(page.url()) === origin(euShell) && new URL(page.url()).pathname === '/signin', `sent on to the EU Shell: ${page.url()}`);
  check(new URL(page.url()).searchParams.get('next') === connectRequest, 'with the application request kept');
  check((await page.locator('.notice').textContent()).includes('Your account is kept by Haven EU'), 'the EU Shell says why');
  await screenshot(page, 'signin-bounced');
  await accessible(page, 'sign-in after the move');
  await signIn(page, person);
  check(origin(page.url()) === origin(euShell) && new URL(page.url()).pathname === '/redirect.aspx', `the EU consent screen: ${page.url()}`);
  const heading = await page.locator('h1').textContent();
  check(heading.includes('Weight sample'), `the application is named: ${heading}`);
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  const landed = new URL(page.url());
  check(landed.origin === origin(sampleUrl) && landed.pathname === '/action', `back at the sample: ${page.url()}`);
  check(landed.searchParams.get('target') === 'AppAuthSuccess', `target: ${page.url()}`);
  check(landed.searchParams.get('instanceid') === '2', `the sample learns the EU instance: ${page.url()}`);
  step('authorized in EU', { instanceid: landed.searchParams.get('instanceid') });

  // The sample writes a weight and reads it back, offline, through the EU Platform.
  await page.goto(sample('/'));
  check((await page.content()).includes(person.given), 'the sample shows her name, read from the EU Platform');
  await page.getByLabel('Weight in kilograms').fill('64.2');
  await page.getByRole('button', { name: 'Add the weight' }).click();
  const weight = await page.locator('#weight').textContent();
  check(weight.includes('64.2'), `the sample wrote and read the weight: ${weight}`);
  await screenshot(page, 'sample');
  step('wrote and read in EU', { weight });

  // An application that does not allow the move (aib=false) cannot take her to the EU.
  await context.clearCookies();
  const targetqs = new URLSearchParams({ appid: appId, aib: 'false' }).toString();
  const noBounce = new URL('/redirect.aspx', usShell);
  noBounce.searchParams.set('target', 'APPAUTH');
  noBounce.searchParams.set('targetqs', targetqs);
  await page.goto(noBounce.href);
  await signIn(page, person);
  check(origin(page.url()) === origin(usShell), `she stays at the US Shell: ${page.url()}`);
  const explanation = await page.locator('main').textContent();
  check(explanation.includes('Your account is kept by Haven EU'), `the page says where her account is: ${explanation}`);
  check(explanation.includes('does not allow moving between instances'), `and why she cannot go on: ${explanation}`);
  await screenshot(page, 'bounce-refused');
  await accessible(page, 'bounce refused');
  step('bounce refused');
} finally {
  await browser.close();
}
