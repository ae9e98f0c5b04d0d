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
