//! A fresh database per test on the server scripts/test.sh starts. A test
//! that needs the server fails, never skips, when there is none.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable scripts/test.sh sets to its throwaway server's URL.
pub const URL_ENV: &str = "UMDESK_TEST_POSTGRES";

/// The server's URL; panics with what to do when it is not given.
pub fn server_url() -> String {
    match std::env::var(URL_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{URL_ENV} is not set: this test needs a PostgreSQL server. \
             Run the suite with scripts/test.sh (README, \"Tests\"), which starts a \
             throwaway server, sets {URL_ENV} and runs `cargo test --locked`"
        ),
    }
}

/// `url` naming database `name` instead of its own.
pub fn with_database(url: &str, name: &str) -> String {
    let scheme_end = url.find("://").map(|i| i + 3).expect("a postgres:// URL");
    let (head, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let path_start = head[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(head.len());
    format!("{}/{name}{query}", &head[..path_start])
}

pub fn admin() -> postgres::Client {
    postgres::Client::connect(&server_url(), postgres::NoTls)
        .unwrap_or_else(|err| panic!("cannot reach the test server at {}: {err}", server_url()))
}

/// An empty database of its own, dropped with its connections at the end.
pub struct Database {
    pub name: String,
    pub url: String,
}

impl Database {
    /// A database with no umdesk schema.
    pub fn empty() -> Database {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "umdesk_t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = admin();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let url = with_database(&server_url(), &name);
        Database { name, url }
    }

    /// A database with the schema, as `umdesk store init` makes it.
    pub fn initialized() -> Database {
        let db = Database::empty();
        umdesk::store::postgres::init(&db.url).unwrap();
        db
    }

    /// A superuser's connection to this database.
    pub fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&server_url(), postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
