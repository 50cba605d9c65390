-- A repository's tags version: one more every time a statement adds, changes or removes any of its tags,
-- whichever path wrote them (sync, registry events, deletions, retention, read-through). An open tags page polls
-- it and reloads its pages only when it moved, instead of refetching every loaded page every few seconds.
-- Statement-level, with transition tables: a batch of 10,000 tag rows bumps each repository once.
ALTER TABLE "repositories" ADD COLUMN "tags_version" BIGINT NOT NULL DEFAULT 0;

-- The repositories' rows are locked in id order first: two statements that write tags of the same repositories
-- (an event batch and a sync, say) then wait for each other instead of deadlocking.
CREATE FUNCTION layerscope_bump_tags_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  touched int[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT repository_id) INTO touched FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT repository_id) INTO touched FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT r) INTO touched
      FROM (SELECT repository_id AS r FROM new_rows UNION SELECT repository_id FROM old_rows) changed;
  END IF;
  IF touched IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM 1 FROM repositories WHERE id = ANY (touched) ORDER BY id FOR UPDATE;
  UPDATE repositories SET tags_version = tags_version + 1 WHERE id = ANY (touched);
  RETURN NULL;
END $$;

CREATE TRIGGER tags_version_insert AFTER INSERT ON "tags"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION layerscope_bump_tags_version();
CREATE TRIGGER tags_version_update AFTER UPDATE ON "tags"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION layerscope_bump_tags_version();
CREATE TRIGGER tags_version_delete AFTER DELETE ON "tags"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION layerscope_bump_tags_version();
