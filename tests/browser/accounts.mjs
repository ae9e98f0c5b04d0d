// Accounts in a real browser: sign-up with a mistake, then correctly; the session cookie's
// flags as Chromium stored them; sign-out; a wrong password; sign-in.
import { open, env, check, step, screenshot, signUp, signIn, accessible } from './lib.mjs';

const shellUrl = env('HAVEN_SHELL_URL');
const person = {
  email: `ana.${Date.now()}@example.org`,
  password: 'correct horse battery staple',
  given: 'Ana',
  family: 'Rivera',
  birthDate: '1984-03-09',
  country: 'US',
};

const { browser, context, page } = await open();
try {
  // A mistake first: too short a password. The page says so next to the field and keeps the rest.
  await signUp(page, shellUrl, { ...person, password: 'short' });
  const passwordError = await page.locator('#password-error').textContent();
  check(passwordError.includes('at least 10 characters'), `password message: ${passwordError}`);
  check((await page.getByLabel('First name').inputValue()) === 'Ana', 'the first name is kept');
  check((await page.getByLabel('Password', { exact: true }).inputValue()) === '', 'the password is not kept');
  await screenshot(page, 'signup-with-mistake');
  await accessible(page, 'sign-up (with a mistake)');
  step('sign-up mistake shown');

  await signUp(page, shellUrl, person);
  check(new URL(page.url()).pathname === '/records' || (await page.title()).length > 0, `after sign-up: ${page.url()}`);
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name.endsWith('haven-session'));
  check(session, `a session cookie: ${JSON.stringify(cookies)}`);
  check(session.httpOnly, 'the session cookie is HttpOnly');
  check(session.sameSite === 'Lax', `the session cookie is SameSite=Lax: ${session.sameSite}`);
  check(session.expires === -1, 'the session cookie ends with the browser');
  step('signed up', { cookie: { name: session.name, httpOnly: session.httpOnly, sameSite: session.sameSite, secure: session.secure } });

  await page.goto(new URL('/account', shellUrl).href);
  check((await page.locator('h1').textContent()) === 'Your account', 'the account page');
  check((await page.content()).includes(person.email), 'the account page shows the address');
  await screenshot(page, 'account');
  await accessible(page, 'account');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto(new URL('/account', shellUrl).href);
  check(new URL(page.url()).pathname === '/signin', `signed out, sent to sign in: ${page.url()}`);
  step('signed out');

  await accessible(page, 'sign-in');
  await signIn(page, { ...person, password: 'not the password at all' });
  check((await page.content()).includes('The e-mail address or the password is wrong.'), 'a wrong password is refused');
  await signIn(page, person);
  check(new URL(page.url()).pathname === '/account', `back to the account page after sign-in: ${page.url()}`);
  step('signed in');

  // On a phone-sized screen the pages fit the width: nothing scrolls sideways.
  await page.setViewportSize({ width: 375, height: 740 });
  for (const path of ['/account', '/records', '/account/password']) {
    await page.goto(new URL(path, shellUrl).href);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `${path} scrolls sideways on a phone by ${overflow}px`);
  }
  await screenshot(page, 'password-phone');
  await page.context().clearCookies();
  await page.goto(new URL('/signup', shellUrl).href);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `/signup scrolls sideways on a phone by ${overflow}px`);
  await screenshot(page, 'signup-phone');
  step('fits a phone');
} finally {
  await browser.close();
}
