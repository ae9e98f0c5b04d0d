// Direct messaging in a real browser, against the US instance. Phase "address": a person
// signs up and chooses her Direct address. Phase "messages" (after a provider's message has
// arrived): she signs in, finds it in her message center, reads it, adds its clinical summary
// to her record, reviews the entries found in it and adds them, sees them in her record, and
// replies to the provider.
import { open, env, check, step, screenshot, accessible, signUp, signIn } from './lib.mjs';

const usShell = env('HAVEN_US_SHELL_URL');
const person = {
  email: env('HAVEN_PERSON_EMAIL'),
  password: 'correct horse battery staple',
  given: 'Jane',
  family: 'Doe',
  birthDate: '1979-05-14',
  country: 'US',
};

/** The text of the page's main element. */
async function mainText(page) {
  return page.locator('main').textContent();
}

async function chooseAddress(page) {
  await signUp(page, usShell, person);
  check(new URL(page.url()).pathname === '/records', `signed up: ${page.url()}`);
  step('signed up');
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: person.given + ' ' + person.family }).click();
  await page.getByRole('link', { name: 'Choose your Direct address' }).click();
  await page.getByLabel(/^Name before @/).fill(env('HAVEN_DIRECT_NAME'));
  await accessible(page, 'Direct address');
  await page.getByRole('button', { name: 'Save the address' }).click();
  const account = await mainText(page);
  check(account.includes('Your Direct address was saved.'), `saved: ${account}`);
  const address = (await page.locator('dd', { hasText: '@direct.' }).textContent()).trim().split(/\s/)[0];
  step('address chosen', { address });
}

async function readAndFile(page) {
  await page.goto(new URL('/signin', usShell).href);
  await signIn(page, person);
  step('signed in');

  await page.getByRole('link', { name: 'Messages' }).click();
  const inbox = await mainText(page);
  check(inbox.includes('Your visit summary') && inbox.includes('New'), `the inbox lists the new message: ${inbox}`);
  await accessible(page, 'inbox');
  await screenshot(page, 'inbox');
  await page.getByRole('link', { name: 'Your visit summary' }).click();
  const message = await mainText(page);
  check(message.includes('Hello Jane, your visit summary is attached.'), `the message's text: ${message}`);
  check(message.includes('dr.smith@provider.example') && message.includes('Clinical summary (C-CDA)'), 'sender and document');
  await accessible(page, 'message');
  await screenshot(page, 'message');
  step('message read');

  // The clinical summary goes into her own record, then its entries are reviewed.
  await page.getByRole('button', { name: 'Add to the record' }).click();
  check((await page.locator('h1').textContent()).startsWith('Review'), `the review: ${page.url()}`);
  step('document filed');
  const review = await mainText(page);
  for (const entry of ['Essential hypertension', 'Lisinopril 10 MG Oral Tablet', 'Penicillin', 'Hemoglobin']) {
    check(review.includes(entry), `the review offers ${entry}: ${review}`);
  }
  const boxes = page.getByRole('checkbox');
  check((await boxes.count()) === 9, `nine entries: ${await boxes.count()}`);
  await accessible(page, 'review');
  await screenshot(page, 'review');
  await page.getByRole('button', { name: /^Add the chosen items/ }).click();
  step('entries reviewed');

  const record = await mainText(page);
  for (const shown of ['Condition', 'Medication', 'Allergy', 'Immunization', 'Lab results', 'Continuity of Care Document']) {
    check(record.includes(shown), `the record shows ${shown}: ${record}`);
  }
  check(record.includes('Essential hypertension') && record.includes('Lisinopril'), `the entries' names: ${record}`);
  await screenshot(page, 'record');
  step('things shown');

  // A reply, sealed for the provider.
  await page.getByRole('link', { name: 'Messages' }).click();
  await page.getByRole('link', { name: 'Your visit summary' }).click();
  await page.getByRole('link', { name: 'Reply' }).click();
  await page.getByLabel('Your reply').fill('Thank you, Dr Smith.\nSee you in May.');
  await accessible(page, 'reply');
  await page.getByRole('button', { name: 'Send the reply' }).click();
  const sent = await mainText(page);
  check(sent.includes('Your reply was sent'), `sent: ${sent}`);
  step('replied');
}

const { browser, page } = await open();
try {
  const phase = env('HAVEN_PHASE');
  if (phase === 'address') await chooseAddress(page);
  else if (phase === 'messages') await readAndFile(page);
  else throw new Error(`unknown phase ${phase}`);
} finally {
  await browser.close();
}
