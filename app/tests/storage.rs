//! The wallet's storage against the real IndexedDB of headless Chromium: writes compare and
//! swap in one transaction (two tabs cannot lose each other's writes), and a replaced vault
//! record is archived, never lost.
#![cfg(target_arch = "wasm32")]

use assent_app::storage::{Replaced, StorageError, Store, ARCHIVE_PREFIX};
use wasm_bindgen_test::wasm_bindgen_test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn archive(now_ms: u64) -> Replaced {
    Replaced::Archive { now_ms }
}

#[wasm_bindgen_test]
async fn compare_and_put_refuses_a_stale_write_and_archives_what_it_replaces() {
    let key = "vault/test-record";
    let store = Store::open().await.expect("IndexedDB opens in Chromium");
    let other_tab = Store::open().await.expect("a second connection opens");

    store.compare_and_put(key, None, b"first", archive(1)).await.expect("first write");
    assert_eq!(store.get(key).await.expect("read"), Some(b"first".to_vec()));

    // Another tab writes on top of what it read…
    other_tab
        .compare_and_put(key, Some(b"first"), b"from the other tab", archive(2))
        .await
        .expect("other tab writes");
    // …so this tab's write, based on the old value, is refused and changes nothing.
    let stale = store.compare_and_put(key, Some(b"first"), b"stale", archive(3)).await;
    assert_eq!(stale, Err(StorageError::Conflict));
    assert_eq!(store.get(key).await.expect("read"), Some(b"from the other tab".to_vec()));
    // Creating over an existing record is a conflict too.
    assert_eq!(store.compare_and_put(key, None, b"new", archive(4)).await, Err(StorageError::Conflict));

    let archived = store.archived_keys().await.expect("list archive");
    assert!(archived.contains(&format!("{ARCHIVE_PREFIX}{key}/2")), "{archived:?}");
    assert_eq!(
        store.get(&format!("{ARCHIVE_PREFIX}{key}/2")).await.expect("read archive"),
        Some(b"first".to_vec()),
        "the replaced value is kept"
    );
}

#[wasm_bindgen_test]
async fn a_discarding_write_replaces_without_archiving() {
    let store = Store::open().await.expect("IndexedDB opens");
    let key = assent_app::storage::IDLE_MINUTES_KEY;
    let before = store.archived_keys().await.expect("list").len();
    let current = store.get(key).await.expect("read");
    store.compare_and_put(key, current.as_deref(), b"7", Replaced::Discard).await.expect("write");
    store.compare_and_put(key, Some(b"7"), b"9", Replaced::Discard).await.expect("write");
    assert_eq!(store.get(key).await.expect("read"), Some(b"9".to_vec()));
    assert_eq!(store.archived_keys().await.expect("list").len(), before);
}
