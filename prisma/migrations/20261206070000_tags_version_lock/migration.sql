-- The tags version's trigger locked the touched repositories FOR UPDATE. A statement that inserts tags has already
-- taken FOR KEY SHARE on its repository (the foreign key check), so two such statements on one repository each held
-- KEY SHARE and waited for the other's to lift: a deadlock (two people opening a repository pushed since the last
-- sync, whose tags are read through side by side). FOR NO KEY UPDATE, the lock the UPDATE of tags_version takes
-- anyway, does not conflict with KEY SHARE: the second statement waits for the first to commit instead.
CREATE OR REPLACE FUNCTION layerscope_bump_tags_version() RETURNS trigger
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
  PERFORM 1 FROM repositories WHERE id = ANY (touched) ORDER BY id FOR NO KEY UPDATE;
  UPDATE repositories SET tags_version = tags_version + 1 WHERE id = ANY (touched);
  RETURN NULL;
END $$;
