//! Migrations: each down-migration undoes its up-migration.

use super::*;

pub(crate) async fn down_migrations_reverse_up_migrations(fixture: &Fixture) {
    let migrated = fixture.store.schema_summary().await.unwrap();
    assert!(migrated.iter().any(|table| table.starts_with("things(id, record_id, version_stamp")), "{migrated:?}");
    fixture.store.revert_all_migrations().await.unwrap();
    assert_eq!(
        fixture.store.schema_summary().await.unwrap(),
        Vec::<String>::new(),
        "down-migrations leave no table behind"
    );
    fixture.store.apply_migrations().await.unwrap();
    assert_eq!(fixture.store.schema_summary().await.unwrap(), migrated);
}

pub(crate) async fn every_row_is_readable_as_text(fixture: &Fixture) {
    let rows = fixture.store.every_row_as_text().await.unwrap();
    // Ids may be stored as text or as 16 bytes (written as hex), in any case.
    let find = |needle: &str| -> Vec<&str> {
        let needle = needle.to_lowercase();
        rows.iter().filter(|(_, text)| text.to_lowercase().contains(&needle)).map(|(table, _)| table.as_str()).collect()
    };
    let email = fixture.person.sign_in_email.as_str();
    assert!(find(email).contains(&"persons"), "the person's address is in persons: {rows:?}");
    assert!(find("López").contains(&"persons"), "and their names");
    let mut tables = find(&fixture.record.id.to_string());
    tables.extend(find(&fixture.record.id.as_uuid().simple().to_string()));
    assert!(tables.contains(&"records") && tables.contains(&"record_members"), "{tables:?}");
    assert!(find("no such text anywhere").is_empty());
}
