//! The default [`LogStorage`]: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! committed batch survives `kill -9` and power loss. One transaction per batch.
//!
//! Entries are found by leaf hash through a [`LeafIndex`] in memory, rebuilt from the entries
//! table on open, not through an SQL index (see `leaf_index.rs` for why). Databases made by
//! earlier versions still carry a `UNIQUE` index on `leaf_hash`; SQLite keeps it up to date, unused.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use wasm_core::hash::Digest256;

use super::leaf_index::LeafIndex;
use super::storage::{Batch, LogStorage, StorageError, StoredHead};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "ledger.sqlite3";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    idx INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tiles (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL
);
";

/// The log in `DIR/ledger.sqlite3`. Commits use one connection, reads another, so serving
/// tiles does not wait for a commit's fsync.
pub struct SqliteStorage {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// The committed entries' leaf hashes; updated after each commit.
    leaf_index: Mutex<LeafIndex>,
}

fn open_connection(path: &Path) -> Result<Connection, StorageError> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(std::time::Duration::from_secs(30))?;
    // WAL: readers never block the writer; FULL: every commit is fsynced before it returns.
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    Ok(connection)
}

fn to_sql(value: u64) -> Result<i64, StorageError> {
    i64::try_from(value).map_err(|_| StorageError::IndexTooLarge(value))
}

fn from_sql(value: i64) -> Result<u64, StorageError> {
    u64::try_from(value).map_err(|_| StorageError::Corrupt(format!("negative number {value}")))
}

fn to_digest(bytes: Vec<u8>, index: i64) -> Result<Digest256, StorageError> {
    bytes
        .try_into()
        .map_err(|_| StorageError::Corrupt(format!("the leaf hash of entry {index} is not 32 bytes")))
}

/// The leaf hash stored for the entry at `index`.
fn stored_leaf_hash(connection: &Connection, index: u64) -> Result<Digest256, StorageError> {
    let index = to_sql(index)?;
    let bytes: Vec<u8> = connection
        .prepare_cached("SELECT leaf_hash FROM entries WHERE idx = ?1")?
        .query_row([index], |row| row.get(0))
        .optional()?
        .ok_or_else(|| StorageError::Corrupt(format!("entry {index} is indexed but not stored")))?;
    to_digest(bytes, index)
}

/// How many entries are stored (indices are gap-free from 0).
fn stored_size(connection: &Connection) -> Result<u64, StorageError> {
    from_sql(connection.query_row("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", [], |row| row.get(0))?)
}

/// Every stored entry's leaf hash, in one pass over the entries table.
fn load_leaf_index(connection: &Connection) -> Result<LeafIndex, StorageError> {
    let mut index = LeafIndex::with_capacity(usize::try_from(stored_size(connection)?).unwrap_or(0));
    let mut statement = connection.prepare("SELECT idx, leaf_hash FROM entries ORDER BY idx")?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let at: i64 = row.get(0)?;
        index.insert(&to_digest(row.get(1)?, at)?, from_sql(at)?);
    }
    Ok(index)
}

impl SqliteStorage {
    /// Opens (creating if needed) the database in `dir`.
    pub fn open(dir: &Path) -> Result<SqliteStorage, StorageError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| StorageError::Io { path: dir.to_path_buf(), source })?;
        let path = dir.join(DB_FILE);
        let writer = open_connection(&path)?;
        writer.execute_batch(SCHEMA)?;
        let reader = open_connection(&path)?;
        let leaf_index = Mutex::new(load_leaf_index(&reader)?);
        Ok(SqliteStorage { writer: Mutex::new(writer), reader: Mutex::new(reader), leaf_index })
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StorageError>) -> Result<T, StorageError> {
        let connection = self.reader.lock().map_err(|_| StorageError::Poisoned)?;
        f(&connection)
    }
}

impl LogStorage for SqliteStorage {
    fn head(&self) -> Result<Option<StoredHead>, StorageError> {
        self.read(|connection| {
            let row = connection
                .query_row("SELECT size, root, note FROM checkpoint WHERE id = 0", [], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?, row.get::<_, String>(2)?))
                })
                .optional()?;
            let Some((size, root, note)) = row else { return Ok(None) };
            let root: Digest256 = root
                .try_into()
                .map_err(|_| StorageError::Corrupt("the stored root is not 32 bytes".into()))?;
            Ok(Some(StoredHead { size: from_sql(size)?, root, note }))
        })
    }

    fn tile(&self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        let index = to_sql(index)?;
        self.read(|connection| {
            // Cached statements: the sequencer and the tile server run these for every entry and read.
            Ok(connection
                .prepare_cached("SELECT data FROM tiles WHERE level = ?1 AND idx = ?2")?
                .query_row(params![level, index], |row| row.get(0))
                .optional()?)
        })
    }

    fn entries(&self, start: u64, count: u16) -> Result<Vec<Vec<u8>>, StorageError> {
        let start = to_sql(start)?;
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT data FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx")?;
            let rows = statement
                .query_map(params![start, start.saturating_add(i64::from(count))], |row| row.get(0))?;
            Ok(rows.collect::<Result<Vec<Vec<u8>>, _>>()?)
        })
    }

    fn find(&self, leaf_hash: &Digest256) -> Result<Option<u64>, StorageError> {
        let leaf_index = self.leaf_index.lock().map_err(|_| StorageError::Poisoned)?;
        // Storage is read only when a prefix matches: a resubmission, or a shared prefix.
        leaf_index.find(leaf_hash, |index| self.read(|connection| stored_leaf_hash(connection, index)))
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        let mut connection = self.writer.lock().map_err(|_| StorageError::Poisoned)?;
        let transaction = connection.transaction()?;
        let size = stored_size(&transaction)?;
        if batch.first_index() != size {
            return Err(StorageError::OutOfOrder { first: batch.first_index(), size });
        }
        {
            let mut insert = transaction
                .prepare_cached("INSERT INTO entries (idx, leaf_hash, data) VALUES (?1, ?2, ?3)")?;
            for (index, (leaf_hash, entry)) in (size..).zip(&batch.entries) {
                insert.execute(params![to_sql(index)?, &leaf_hash[..], entry])?;
            }
            let mut tile = transaction
                .prepare_cached("INSERT OR REPLACE INTO tiles (level, idx, data) VALUES (?1, ?2, ?3)")?;
            for (id, bytes) in &batch.tiles {
                tile.execute(params![id.level(), to_sql(id.index())?, bytes])?;
            }
        }
        transaction.execute(
            "INSERT OR REPLACE INTO checkpoint (id, size, root, note) VALUES (0, ?1, ?2, ?3)",
            params![to_sql(batch.head.size)?, &batch.head.root[..], batch.head.note],
        )?;
        transaction.commit()?;
        // The batch is committed: it must be findable, so a poisoned lock (whose map is whole:
        // nothing in it panics midway) is not a reason to leave it out.
        let mut leaf_index = self.leaf_index.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (index, (leaf_hash, _)) in (size..).zip(&batch.entries) {
            leaf_index.insert(leaf_hash, index);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`LogStorage::find`] for each of `asked`, in order.
    fn find_each(storage: &SqliteStorage, asked: &[Digest256]) -> Vec<Option<u64>> {
        asked.iter().map(|hash| storage.find(hash).expect("finds")).collect()
    }

    #[test]
    fn finds_each_committed_hash_and_nothing_else() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let storage = SqliteStorage::open(dir.path()).expect("opens");
        let (first, second, absent) = ([1; 32], [2; 32], [3; 32]);
        let head = StoredHead { size: 2, root: [0; 32], note: "note\n".into() };
        let batch = Batch { entries: vec![(first, vec![1]), (second, vec![2])], tiles: vec![], head };
        storage.commit(&batch).expect("commits");

        assert_eq!(find_each(&storage, &[second, absent, first, second]), [Some(1), None, Some(0), Some(1)]);
    }

    #[test]
    fn entries_are_found_after_reopening_even_when_their_hashes_share_a_prefix() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (first, second, third) = ([1; 32], [2; 32], {
            let mut shares_first_prefix = [9; 32];
            shares_first_prefix[..8].fill(1);
            shares_first_prefix
        });
        {
            let storage = SqliteStorage::open(dir.path()).expect("opens");
            let head = StoredHead { size: 2, root: [0; 32], note: "note\n".into() };
            let batch = Batch { entries: vec![(first, vec![1]), (second, vec![2])], tiles: vec![], head };
            storage.commit(&batch).expect("commits");
        }
        let storage = SqliteStorage::open(dir.path()).expect("reopens");
        assert_eq!(storage.find(&first).expect("finds"), Some(0));
        assert_eq!(storage.find(&third).expect("finds"), None, "a shared prefix is not a match");
        let head = StoredHead { size: 3, root: [0; 32], note: "note\n".into() };
        storage.commit(&Batch { entries: vec![(third, vec![3])], tiles: vec![], head }).expect("commits");
        let asked = [first, second, third, [4; 32]];
        assert_eq!(find_each(&storage, &asked), [Some(0), Some(1), Some(2), None]);
        drop(storage);
        let storage = SqliteStorage::open(dir.path()).expect("reopens");
        assert_eq!(find_each(&storage, &asked), [Some(0), Some(1), Some(2), None]);
    }

    #[test]
    fn a_database_with_the_earlier_unique_index_still_opens_and_appends() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let connection = Connection::open(dir.path().join(DB_FILE)).expect("opens the file");
        connection
            .execute_batch(&SCHEMA.replace("leaf_hash BLOB NOT NULL,", "leaf_hash BLOB NOT NULL UNIQUE,"))
            .expect("writes the earlier schema");
        connection
            .execute("INSERT INTO entries (idx, leaf_hash, data) VALUES (0, ?1, x'01')", [&[1u8; 32][..]])
            .expect("stores an entry");
        drop(connection);
        let storage = SqliteStorage::open(dir.path()).expect("opens");
        let head = StoredHead { size: 2, root: [0; 32], note: "note\n".into() };
        storage.commit(&Batch { entries: vec![([2; 32], vec![2])], tiles: vec![], head }).expect("commits");
        assert_eq!(find_each(&storage, &[[1; 32], [2; 32], [3; 32]]), [Some(0), Some(1), None]);
    }

    #[test]
    fn a_damaged_leaf_hash_stops_the_store_from_opening() {
        let dir = tempfile::tempdir().expect("temporary directory");
        {
            let storage = SqliteStorage::open(dir.path()).expect("opens");
            let head = StoredHead { size: 1, root: [0; 32], note: "note\n".into() };
            storage
                .commit(&Batch { entries: vec![([1; 32], vec![1])], tiles: vec![], head })
                .expect("commits");
        }
        let connection = Connection::open(dir.path().join(DB_FILE)).expect("opens the file");
        connection.execute("UPDATE entries SET leaf_hash = x'0102'", []).expect("damages it");
        drop(connection);
        let Err(error) = SqliteStorage::open(dir.path()) else { panic!("a damaged store opened") };
        assert!(matches!(error, StorageError::Corrupt(_)), "{error}");
        assert!(error.to_string().contains("entry 0"), "{error}");
    }
}
