-- Each couple carries a stable identifier, so the same couple's archive, imported again later into
-- another database (a practice taking in a couple's home history), adds only what is new.
ALTER TABLE couples ADD COLUMN uid VARCHAR DEFAULT (uuid()::VARCHAR);

-- Private text is sealed bound to its check-in. A check-in brought in by an archive gets a new id here, so it
-- keeps the id its text was sealed under (NULL: its own id).
ALTER TABLE checkins ADD COLUMN sealed_as BIGINT;
