// A SODA (mobile/desktop) application's creation completed in a real browser: the person
// opens the CREATEAPPLICATION address the device printed, signs up, accepts the consent
// screen for the device's application, and lands on /application/complete, where the
// device's SDK would read appid, target and instanceid.
import { open, env, check, step, screenshot, signUp, accessible } from './lib.mjs';

const shellUrl = env('HAVEN_SHELL_URL');
const createUrl = env('HAVEN_CREATE_APPLICATION_URL');
const person = {
  email: `cai.${Date.now()}@example.org`,
  password: 'correct horse battery staple',
  given: 'Cai',
  family: 'Lindqvist',
  birthDate: '1991-07-14',
  country: 'US',
};

const { browser, page } = await open();
try {
  await page.goto(createUrl);
  check(new URL(page.url()).pathname === '/signin', `signed-out people sign in first: ${page.url()}`);
  // New here: sign up from the sign-in page's link, which comes back to the same request.
  await page.getByRole('link', { name: 'Create an account' }).last().click();
  check(new URL(page.url()).pathname === '/signup', `the sign-up page: ${page.url()}`);
  const next = new URL(page.url()).searchParams.get('next') || '';
  check(next.startsWith('/redirect.aspx'), `sign-up keeps the request: ${page.url()}`);
  await signUp(page, shellUrl, person);
  // signUp opens /signup afresh, without `next`; go back to the device's address now signed in.
  await page.goto(createUrl);
  const heading = await page.locator('h1').textContent();
  check(heading.includes('Pocket weights'), `the consent screen names the application: ${heading}`);
  check((await page.content()).includes('test laptop'), 'and the device');
  await screenshot(page, 'soda-consent');
  await accessible(page, 'SODA consent');
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  const done = new URL(page.url());
  check(done.pathname === '/application/complete', `the completion page: ${page.url()}`);
  check(done.searchParams.get('target') === 'AppAuthSuccess', `target: ${page.url()}`);
  check(done.searchParams.get('instanceid') === '1', `instanceid: ${page.url()}`);
  check((await page.content()).includes('close this window'), 'the page says the window may be closed');
  step('completed', { appid: done.searchParams.get('appid') });

  // The link works once.
  await page.goto(createUrl);
  check((await page.content()).includes('Start again'), 'a used link is refused');
  step('used link refused');
} finally {
  await browser.close();
}
