"""SQLite persistence: JSON documents by kind and id, plus a key/value table.

Every request runs inside one transaction (see Store.transaction) under one process-wide lock, so
the simulator's state is always consistent and survives a restart with the same state directory.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading

SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    def __init__(self, path):
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level="DEFERRED")
        self.conn.executescript(SCHEMA)
        self.conn.commit()
        self.is_new = self.get_kv("initialized") is None

    @contextlib.contextmanager
    def transaction(self):
        with self.lock:
            try:
                yield self
            except BaseException:
                self.conn.rollback()
                raise
            else:
                self.conn.commit()

    def close(self):
        with self.lock:
            self.conn.commit()
            self.conn.close()

    # key/value ---------------------------------------------------------------------------------
    def get_kv(self, key, default=None):
        row = self.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_kv(self, key, value):
        self.conn.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def next_counter(self, name, start):
        value = self.get_kv("counter:" + name, start - 1) + 1
        self.set_kv("counter:" + name, value)
        return value

    # documents ---------------------------------------------------------------------------------
    def get(self, kind, doc_id):
        row = self.conn.execute("SELECT body FROM docs WHERE kind = ? AND id = ?", (kind, str(doc_id))).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind, doc_id, body):
        seq = self.conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM docs WHERE kind = ?", (kind,)).fetchone()[0]
        self.conn.execute(
            "INSERT INTO docs (kind, id, seq, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(kind, id) DO UPDATE SET body = excluded.body",
            (kind, str(doc_id), seq, json.dumps(body)),
        )

    def delete(self, kind, doc_id):
        return self.conn.execute("DELETE FROM docs WHERE kind = ? AND id = ?", (kind, str(doc_id))).rowcount

    def delete_kind(self, kind):
        self.conn.execute("DELETE FROM docs WHERE kind = ?", (kind,))

    def all(self, kind):
        """All documents of a kind in creation order."""
        rows = self.conn.execute("SELECT body FROM docs WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
        return [json.loads(row[0]) for row in rows]
