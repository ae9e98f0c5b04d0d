//! Accounts in the Shell: sign-up, sign-in, lockout, sign-out, password change, and the
//! protections around them (CSRF, cookie flags, open redirects).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

mod support;

use axum::http::StatusCode;
use haven_domain::credential::{LOCKOUT_DURATION, MAX_FAILED_SIGN_INS};
use haven_domain::person::EmailAddress;
use haven_store::{AccountStore, PersonStore, RecordStore};
use support::{PASSWORD, TestShell};

#[tokio::test]
async fn home_page_names_the_instance_and_links_the_others() {
    let shell = TestShell::start().await;
    let page = shell.browser().get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Haven US</h1>"), "{}", page.body);
    assert!(page.body.contains("href=\"http://127.0.0.1:8120/\""), "{}", page.body);
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert!(page.headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    let health = shell.browser().get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn sign_up_opens_the_account_and_signs_in() {
    let shell = TestShell::start().await;
    let mut browser = shell.browser();
    let page = browser.sign_up("ana@example.org", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/records");

    let person = shell.store.person_by_email(&EmailAddress::parse("ana@example.org").unwrap()).await.unwrap().unwrap();
    assert_eq!(person.full_name(), "Ana Rivera");
    let records = shell.store.records_for_person(person.id).await.unwrap();
    assert_eq!(records.len(), 1, "the person's own record is created");
    assert!(records[0].1.is_custodian);
    let credential = shell.store.credential(person.id).await.unwrap().unwrap();
    assert!(credential.password_hash.starts_with("$argon2id$"), "argon2id, never the password");
    assert!(!credential.password_hash.contains(PASSWORD));

    let account = browser.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.body.contains("ana@example.org"), "{}", account.body);
    assert!(account.body.contains("United States"), "{}", account.body);
}

#[tokio::test]
async fn session_cookie_flags() {
    // Plain HTTP (loopback development): HttpOnly and SameSite, but not Secure.
    let shell = TestShell::start().await;
    let page = shell.browser().get("/signin").await;
    let cookie = page.set_cookies().into_iter().find(|cookie| cookie.starts_with("haven-session=")).unwrap();
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("; Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"), "ends with the browser: {cookie}");

    // Over HTTPS: Secure and the __Host- prefix.
    let secure =
        TestShell::start_with(|settings| haven_shell::ShellSettings { secure_cookies: true, ..settings }).await;
    let mut browser = secure.browser();
    let page = browser.get("/signin").await;
    let cookie = page.set_cookies().into_iter().find(|cookie| cookie.starts_with("__Host-haven-session=")).unwrap();
    assert!(
        cookie.contains("; Secure") && cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax"),
        "{cookie}"
    );
    // Signing in replaces the session: the token seen before is not the one after.
    let before = browser.cookies["__Host-haven-session"].clone();
    let signed_up = browser.sign_up("sec@example.org", &[]).await;
    assert_eq!(signed_up.status, StatusCode::SEE_OTHER);
    let after = browser.cookies["__Host-haven-session"].clone();
    assert_ne!(before, after, "a new session at sign-in");
    let cookie =
        signed_up.set_cookies().into_iter().find(|cookie| cookie.starts_with("__Host-haven-session=")).unwrap();
    assert!(cookie.contains("; Secure") && cookie.contains("; HttpOnly"), "{cookie}");
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_change_nothing() {
    let shell = TestShell::start().await;
    let mut browser = shell.browser();
    let form = browser.get("/signup?country=US").await;
    let fields = |csrf: &'static str| {
        vec![
            ("csrf", csrf),
            ("email", "mallory@example.org"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
            ("given_name", "M"),
            ("family_name", "X"),
            ("birth_date", "1980-01-01"),
            ("country", "US"),
        ]
    };
    for (csrf, headers) in [("", vec![]), ("0123456789abcdef", vec![])] {
        let page = browser.post_with("/signup", &fields(csrf), &headers).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
        assert!(page.body.contains("not sent from this page"), "{}", page.body);
    }
    // The right token, but the browser says another site sent the form.
    let csrf = form.csrf();
    let mut with_token = fields("");
    with_token[0] = ("csrf", &csrf);
    let page = browser.post_with("/signup", &with_token, &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // A token from another browser's session does not work either.
    let other = shell.browser().get("/signup?country=US").await.csrf();
    with_token[0] = ("csrf", &other);
    assert_eq!(browser.post("/signup", &with_token).await.status, StatusCode::FORBIDDEN);
    assert!(
        shell.store.person_by_email(&EmailAddress::parse("mallory@example.org").unwrap()).await.unwrap().is_none(),
        "nothing was written"
    );

    // Sign-out is a form too.
    let mut signed_in = shell.browser();
    signed_in.sign_up("ana@example.org", &[]).await;
    assert_eq!(signed_in.post("/signout", &[("csrf", "wrong")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(signed_in.get("/account").await.status, StatusCode::OK, "still signed in");
}

#[tokio::test]
async fn sign_up_mistakes_are_shown_next_to_their_fields_and_typed_values_kept() {
    let shell = TestShell::start().await;
    let mut browser = shell.browser();
    let page = browser
        .sign_up(
            "not-an-address",
            &[
                ("password", "short"),
                ("password_again", "short"),
                ("given_name", "Zoë <b>"),
                ("family_name", ""),
                ("birth_date", "yesterday"),
                ("country", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (field, message) in [
        ("email", "Enter your e-mail address"),
        ("password", "at least 10 characters"),
        ("family_name", "Enter your last name"),
        ("birth_date", "year-month-day"),
        ("country", "Choose your country"),
    ] {
        let error_id = format!("id=\"{field}-error\"");
        let at = page.body.find(&error_id).unwrap_or_else(|| panic!("no message for {field}: {}", page.body));
        assert!(page.body[at..].contains(message), "{field}: {}", &page.body[at..at + 200]);
        assert!(page.body.contains(&format!("aria-describedby=\"{field}-error\"")), "{field}");
    }
    assert_eq!(page.input("email").as_deref(), Some("not-an-address"), "typed values are kept");
    assert_eq!(page.input("given_name").as_deref(), Some("Zoë &#60;b&#62;"), "and escaped");
    assert_eq!(page.input("birth_date").as_deref(), Some("yesterday"));
    assert_eq!(page.input("password").as_deref(), Some(""), "passwords are never sent back");
    assert!(!page.body.contains("short\""), "{}", page.body);
}

#[tokio::test]
async fn sign_up_refuses_unsupported_countries_other_instances_and_the_too_young() {
    let shell = TestShell::start().await;
    let mut browser = shell.browser();
    let page = browser.sign_up("fr@example.org", &[("country", "FR")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("not offered to people living in France"), "{}", page.body);

    // A country served by another instance sends the browser there, with nothing typed.
    let page = browser.sign_up("nl@example.org", &[("country", "NL")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "http://127.0.0.1:8120/signup?country=NL&from=1");

    let page = browser.sign_up("kid@example.org", &[("birth_date", "2020-01-01")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("at least 13 years old"), "{}", page.body);

    assert_eq!(browser.sign_up("ana@example.org", &[]).await.status, StatusCode::SEE_OTHER);
    let mut other = shell.browser();
    let page = other.sign_up("ana@example.org", &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("already exists"), "{}", page.body);
}

#[tokio::test]
async fn sign_in_out_and_the_next_page() {
    let shell = TestShell::start().await;
    shell.browser().sign_up("ana@example.org", &[]).await;

    let mut browser = shell.browser();
    let account = browser.get("/account").await;
    assert_eq!(account.status, StatusCode::SEE_OTHER);
    assert_eq!(account.location(), "/signin?next=%2Faccount");

    let wrong = browser.sign_in("ana@example.org", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("e-mail address or the password is wrong"), "{}", wrong.body);
    let nobody = browser.sign_in("nobody@example.org", PASSWORD).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    assert!(nobody.body.contains("e-mail address or the password is wrong"), "the same answer: {}", nobody.body);

    let form = browser.get("/signin?next=/account").await;
    assert_eq!(form.input("next").as_deref(), Some("/account"));
    let csrf = form.csrf();
    let page = browser
        .post("/signin", &[("csrf", &csrf), ("email", "ANA@example.org"), ("password", PASSWORD), ("next", "/account")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/account");

    let csrf = browser.get("/account").await.csrf();
    let out = browser.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.set_cookies().iter().any(|cookie| cookie.contains("Max-Age=0")));
    assert_eq!(browser.get("/account").await.status, StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn next_never_leaves_the_shell() {
    let shell = TestShell::start().await;
    shell.browser().sign_up("ana@example.org", &[]).await;
    for outside in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
        let mut browser = shell.browser();
        let csrf = browser.get("/signin").await.csrf();
        let page = browser
            .post(
                "/signin",
                &[("csrf", &csrf), ("email", "ana@example.org"), ("password", PASSWORD), ("next", outside)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location(), "/records", "{outside}");
    }
}

#[tokio::test]
async fn password_guessing_locks_the_account() {
    let shell = TestShell::start().await;
    shell.browser().sign_up("ana@example.org", &[]).await;
    let mut browser = shell.browser();
    for _ in 1..MAX_FAILED_SIGN_INS {
        assert_eq!(browser.sign_in("ana@example.org", "guess guess guess").await.status, StatusCode::UNAUTHORIZED);
    }
    let locked = browser.sign_in("ana@example.org", "guess guess guess").await;
    assert_eq!(locked.status, StatusCode::FORBIDDEN);
    assert!(locked.body.contains("locked after too many wrong passwords"), "{}", locked.body);
    assert!(locked.body.contains("09:15 UTC"), "says until when: {}", locked.body);

    // Even the right password is refused while locked.
    let refused = browser.sign_in("ana@example.org", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(browser.get("/account").await.status == StatusCode::SEE_OTHER, "not signed in");

    shell.clock.advance(LOCKOUT_DURATION);
    let page = browser.sign_in("ana@example.org", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let person = shell.store.person_by_email(&EmailAddress::parse("ana@example.org").unwrap()).await.unwrap().unwrap();
    let credential = shell.store.credential(person.id).await.unwrap().unwrap();
    assert_eq!((credential.failed_attempts, credential.locked_until), (0, None), "a success forgets the failures");
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    let shell = TestShell::start_with(|settings| haven_shell::ShellSettings {
        sign_ins_per_minute_per_address: std::num::NonZeroU32::new(3).unwrap(),
        ..settings
    })
    .await;
    let mut browser = shell.browser();
    for _ in 0..3 {
        assert_eq!(browser.sign_in("x@example.org", "whatever whatever").await.status, StatusCode::UNAUTHORIZED);
    }
    let limited = browser.sign_in("x@example.org", "whatever whatever").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.body.contains("Too many sign-in attempts from your network"), "{}", limited.body);
    let mut elsewhere = shell.browser();
    elsewhere.peer = "127.0.0.2:50000".parse().unwrap();
    assert_eq!(elsewhere.sign_in("x@example.org", "whatever whatever").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn password_change_signs_out_other_browsers() {
    let shell = TestShell::start().await;
    let mut here = shell.browser();
    here.sign_up("ana@example.org", &[]).await;
    let mut there = shell.browser();
    assert_eq!(there.sign_in("ana@example.org", PASSWORD).await.status, StatusCode::SEE_OTHER);

    let form = here.get("/account/password").await;
    let csrf = form.csrf();
    let wrong = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", "nope nope nope"),
                ("new_password", "x"),
                ("new_password_again", "y"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("not your current password"), "{}", wrong.body);
    assert!(wrong.body.contains("id=\"new_password-error\""), "{}", wrong.body);

    let new_password = "a brand new passphrase";
    let page = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("new_password_again", new_password),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(here.get("/account?changed=1").await.body.contains("Your password was changed"));
    assert_eq!(there.get("/account").await.status, StatusCode::SEE_OTHER, "the other browser is signed out");

    let mut later = shell.browser();
    assert_eq!(later.sign_in("ana@example.org", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(later.sign_in("ana@example.org", new_password).await.status, StatusCode::SEE_OTHER);
}
