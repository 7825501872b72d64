//! Reading a server's SQLite database from a test, as another process would.

use std::path::Path;

/// A row: each column as bytes (blobs), UTF-8 (text) or decimal (integers); `None` for NULL.
pub(crate) type Row = Vec<Option<Vec<u8>>>;

/// Runs one SQL statement on the SQLite database `file` (opened as a separate connection);
/// every row it returns.
pub(crate) fn sqlite_rows(file: &Path, statement: &str) -> Vec<Row> {
    use sqlx::{Connection, Row as _, TypeInfo, ValueRef};
    let url = format!("sqlite://{}", file.display());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = sqlx::sqlite::SqliteConnection::connect(&url).await.unwrap();
        let rows = sqlx::query(statement).fetch_all(&mut conn).await.unwrap();
        let out = rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        let raw = row.try_get_raw(i).unwrap();
                        if raw.is_null() {
                            return None;
                        }
                        let kind = raw.type_info().name().to_owned();
                        Some(match kind.as_str() {
                            "TEXT" => row.get::<String, _>(i).into_bytes(),
                            "INTEGER" => row.get::<i64, _>(i).to_string().into_bytes(),
                            _ => row.get::<Vec<u8>, _>(i),
                        })
                    })
                    .collect()
            })
            .collect();
        conn.close().await.unwrap();
        out
    })
}
