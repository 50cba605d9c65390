-- CreateTable
CREATE TABLE "namespaces" (
    "path" TEXT NOT NULL,
    "parent" TEXT NOT NULL,
    "repository_count" INTEGER NOT NULL,
    "is_repository" BOOLEAN NOT NULL,

    CONSTRAINT "namespaces_pkey" PRIMARY KEY ("path")
);

-- CreateIndex
CREATE INDEX "namespaces_parent_path_idx" ON "namespaces"("parent", "path");

-- Every path prefix of the given repository names, with how many of the names it covers and
-- whether one of them is exactly that path.
CREATE FUNCTION layerscope_namespace_counts(names text[])
RETURNS TABLE (path text, parent text, repository_count integer, is_repository boolean)
LANGUAGE sql IMMUTABLE AS $$
  SELECT array_to_string(p.parts[1:i], '/'),
         array_to_string(p.parts[1:i - 1], '/'),
         COUNT(*)::integer,
         BOOL_OR(i = array_length(p.parts, 1))
  FROM (SELECT string_to_array(n, '/') AS parts FROM unnest(names) AS n) p,
       generate_series(1, array_length(p.parts, 1)) AS i
  GROUP BY 1, 2
$$;

-- Statement-level triggers: one upsert per statement, its rows taken in path order, so that
-- concurrent inserts of repositories lock the shared prefixes ("team") in one order and never
-- deadlock each other.
CREATE FUNCTION layerscope_namespaces_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO namespaces (path, parent, repository_count, is_repository)
  SELECT c.path, c.parent, c.repository_count, c.is_repository
  FROM layerscope_namespace_counts(ARRAY(SELECT name FROM added)) c
  ORDER BY c.path
  ON CONFLICT (path) DO UPDATE
    SET repository_count = namespaces.repository_count + EXCLUDED.repository_count,
        is_repository = namespaces.is_repository OR EXCLUDED.is_repository;
  RETURN NULL;
END
$$;

CREATE FUNCTION layerscope_namespaces_removed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  -- row by row in path order (the order inserts lock in); removing repositories is rare
  FOR r IN SELECT * FROM layerscope_namespace_counts(ARRAY(SELECT name FROM removed)) c ORDER BY c.path LOOP
    UPDATE namespaces n
       SET repository_count = n.repository_count - r.repository_count,
           is_repository = n.is_repository AND NOT r.is_repository
     WHERE n.path = r.path;
  END LOOP;
  DELETE FROM namespaces n WHERE n.repository_count <= 0
     AND n.path IN (SELECT c.path FROM layerscope_namespace_counts(ARRAY(SELECT name FROM removed)) c);
  RETURN NULL;
END
$$;

CREATE FUNCTION layerscope_namespaces_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE namespaces;
  RETURN NULL;
END
$$;

CREATE TRIGGER repositories_namespaces_added AFTER INSERT ON repositories
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION layerscope_namespaces_added();
CREATE TRIGGER repositories_namespaces_removed AFTER DELETE ON repositories
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION layerscope_namespaces_removed();
CREATE TRIGGER repositories_namespaces_truncated AFTER TRUNCATE ON repositories
  FOR EACH STATEMENT EXECUTE FUNCTION layerscope_namespaces_truncated();

-- the repositories cached so far
INSERT INTO namespaces (path, parent, repository_count, is_repository)
SELECT * FROM layerscope_namespace_counts(ARRAY(SELECT name FROM repositories));
