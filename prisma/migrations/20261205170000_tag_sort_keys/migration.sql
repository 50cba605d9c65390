-- Tag lists at any size: every order is a keyset scan of an index on stored sort keys, and the
-- name filter uses a trigram index. The key functions mirror lib/oci/tag-sort.ts (compareNatural,
-- compareTagsSemver) as byte strings; tests/integration/tag-sort-keys.test.ts checks that they agree.

-- the "q" filter's index
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- AlterTable
ALTER TABLE "manifests" ADD COLUMN     "created_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "tags" ADD COLUMN     "created_at" TIMESTAMP(3),
ADD COLUMN     "natural_key" BYTEA,
ADD COLUMN     "size_bytes" BIGINT,
ADD COLUMN     "version_key" BYTEA;

-- Natural order ("tag2" < "tag10", case-insensitive, code units break ties): digit runs become
-- '0' + their length (3 digits) + the digits without leading zeros, so they order by value and
-- against other text as their first digit would; other runs are lower-cased and end in \x01; the
-- name itself follows, after \x01, so that only equal names have equal keys.
CREATE FUNCTION layerscope_natural_text(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  chunk text;
  digits text;
  result text := '';
BEGIN
  FOR chunk IN SELECT m[1] FROM regexp_matches(t, '[0-9]+|[^0-9]+', 'g') AS m LOOP
    IF chunk ~ '^[0-9]' THEN
      digits := COALESCE(NULLIF(ltrim(chunk, '0'), ''), '0');
      result := result || '0' || lpad(length(digits)::text, 3, '0') || digits;
    ELSE
      result := result || lower(chunk) || E'\x01';
    END IF;
  END LOOP;
  RETURN result || E'\x01' || t;
END $$;

-- Semver-aware order: versions ('1' + numbers + release/prerelease) before every other tag ('2');
-- numbers compare by value with trailing zero parts dropped (1.2 = 1.2.0); a release (\x03) ranks
-- above its prereleases (\x02 + identifiers: numeric '1' below alphanumeric '2', fewer first).
CREATE FUNCTION layerscope_version_key(t text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  m text[];
  nums text[];
  ident text;
  n text;
  last int;
  result text := '';
BEGIN
  m := regexp_match(t, '^[vV]?([0-9]+(?:\.[0-9]+)*)(?:-([0-9A-Za-z.-]+))?$');
  IF m IS NULL THEN
    RETURN convert_to('2' || layerscope_natural_text(t), 'UTF8');
  END IF;
  nums := string_to_array(m[1], '.');
  last := array_length(nums, 1);
  WHILE last > 0 AND ltrim(nums[last], '0') = '' LOOP
    last := last - 1;
  END LOOP;
  FOR i IN 1..last LOOP
    n := COALESCE(NULLIF(ltrim(nums[i], '0'), ''), '0');
    result := result || lpad(length(n)::text, 3, '0') || n;
  END LOOP;
  IF m[2] IS NULL THEN
    result := result || E'\x03';
  ELSE
    result := result || E'\x02';
    FOREACH ident IN ARRAY string_to_array(m[2], '.') LOOP
      IF ident ~ '^[0-9]+$' THEN
        n := COALESCE(NULLIF(ltrim(ident, '0'), ''), '0');
        result := result || '1' || lpad(length(n)::text, 3, '0') || n;
      ELSE
        result := result || '2' || layerscope_natural_text(ident) || E'\x01';
      END IF;
    END LOOP;
    result := result || E'\x01';
  END IF;
  RETURN convert_to('1' || result || E'\x01' || layerscope_natural_text(t), 'UTF8');
END $$;

-- Every writer of tags (sync, registry events, read-through) gets the keys without knowing them.
CREATE FUNCTION layerscope_tags_sort_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.version_key := layerscope_version_key(NEW.name);
  NEW.natural_key := convert_to(layerscope_natural_text(NEW.name), 'UTF8');
  SELECT m.created_at, m.size_bytes INTO NEW.created_at, NEW.size_bytes FROM manifests m WHERE m.digest = NEW.digest;
  RETURN NEW;
END $$;

CREATE TRIGGER tags_sort_keys BEFORE INSERT OR UPDATE OF name, digest ON tags
FOR EACH ROW EXECUTE FUNCTION layerscope_tags_sort_keys();

-- Creation times of the manifests cached so far (new ones are written by lib/services/sync-engine/store.ts):
-- the config's, else the created annotation, and for an index its newest platform image.
UPDATE manifests m SET created_at = c.created FROM image_configs c WHERE c.digest = m.config_digest;
UPDATE manifests SET created_at = (annotations->>'org.opencontainers.image.created')::timestamptz AT TIME ZONE 'UTC'
WHERE created_at IS NULL
  AND annotations->>'org.opencontainers.image.created' ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$';
UPDATE manifests m SET created_at = GREATEST(m.created_at, x.created)
FROM (
  SELECT ic.index_digest, MAX(c.created) AS created
  FROM index_children ic
  JOIN manifests child ON child.digest = ic.child_digest
  JOIN image_configs c ON c.digest = child.config_digest
  WHERE NOT ic.attestation
  GROUP BY ic.index_digest
) x
WHERE m.digest = x.index_digest AND m.kind = 'index' AND x.created IS NOT NULL;
UPDATE tags SET name = name;

-- CreateIndex
CREATE INDEX "tags_repository_id_version_key_idx" ON "tags"("repository_id", "version_key");

-- CreateIndex
CREATE INDEX "tags_repository_id_natural_key_idx" ON "tags"("repository_id", "natural_key");

-- CreateIndex
CREATE INDEX "tags_repository_id_created_at_natural_key_idx" ON "tags"("repository_id", "created_at", "natural_key");

-- CreateIndex
CREATE INDEX "tags_repository_id_size_bytes_natural_key_idx" ON "tags"("repository_id", "size_bytes", "natural_key");

-- CreateIndex
CREATE INDEX "tags_repository_id_digest_natural_key_idx" ON "tags"("repository_id", "digest", "natural_key");

-- CreateIndex
CREATE INDEX "tags_name_trgm_idx" ON "tags" USING GIN ("name" gin_trgm_ops);
