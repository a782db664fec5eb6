-- Browser sessions of the web UI. Only the SHA-256 hash of a session's
-- secret is kept. A session is valid while it is not ended, not expired
-- and its token is not revoked (FindSessionBySecret joins tokens), so
-- revoking a token signs out every browser it signed in.
CREATE TABLE sessions (
	id         INTEGER PRIMARY KEY,
	token_id   INTEGER NOT NULL REFERENCES tokens (id),
	hash       TEXT NOT NULL UNIQUE,
	created_at TIMESTAMP NOT NULL,
	expires_at TIMESTAMP NOT NULL,
	ended_at   TIMESTAMP
);
CREATE INDEX sessions_token ON sessions (token_id);
