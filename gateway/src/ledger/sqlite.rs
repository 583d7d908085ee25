//! The default [`LogStorage`]: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! committed batch survives `kill -9` and power loss. One transaction per batch.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use wasm_core::hash::Digest256;

use super::storage::{Batch, LogStorage, StorageError, StoredHead};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "ledger.sqlite3";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    idx INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL UNIQUE,
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

/// The index of the entry with `leaf_hash`, through `connection` (in its transaction, if any).
fn find_in(connection: &Connection, leaf_hash: &Digest256) -> Result<Option<u64>, StorageError> {
    let index: Option<i64> = connection
        .prepare_cached("SELECT idx FROM entries WHERE leaf_hash = ?1")?
        .query_row([&leaf_hash[..]], |row| row.get(0))
        .optional()?;
    index.map(from_sql).transpose()
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
        Ok(SqliteStorage { writer: Mutex::new(writer), reader: Mutex::new(reader) })
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
        self.read(|connection| find_in(connection, leaf_hash))
    }

    fn find_all(&self, leaf_hashes: &[Digest256]) -> Result<Vec<Option<u64>>, StorageError> {
        self.read(|connection| {
            // One read transaction for the batch: the file locks are taken once, not per entry.
            let transaction = connection.unchecked_transaction()?;
            let found = leaf_hashes
                .iter()
                .map(|leaf_hash| find_in(&transaction, leaf_hash))
                .collect::<Result<Vec<_>, _>>()?;
            transaction.commit()?;
            Ok(found)
        })
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        let mut connection = self.writer.lock().map_err(|_| StorageError::Poisoned)?;
        let transaction = connection.transaction()?;
        let size: i64 =
            transaction.query_row("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", [], |row| row.get(0))?;
        let size = from_sql(size)?;
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_all_answers_as_find_does_for_each_hash_in_order() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let storage = SqliteStorage::open(dir.path()).expect("opens");
        let (first, second, absent) = ([1; 32], [2; 32], [3; 32]);
        let head = StoredHead { size: 2, root: [0; 32], note: "note\n".into() };
        let batch = Batch { entries: vec![(first, vec![1]), (second, vec![2])], tiles: vec![], head };
        storage.commit(&batch).expect("commits");

        let asked = [second, absent, first, second];
        let one_by_one: Vec<_> = asked.iter().map(|hash| storage.find(hash).expect("finds")).collect();
        assert_eq!(one_by_one, [Some(1), None, Some(0), Some(1)]);
        assert_eq!(storage.find_all(&asked).expect("finds all"), one_by_one);
        assert_eq!(storage.find_all(&[]).expect("finds none"), Vec::<Option<u64>>::new());
    }
}
