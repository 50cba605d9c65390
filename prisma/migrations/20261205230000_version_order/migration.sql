-- The "Version" order puts real versions first: descending (the default) shows the newest version
-- at the top, then every other tag ("latest", "sha-…", "build-N") newest image first, then those
-- whose image has no usable creation date. Ascending is the exact reverse. Mirrors
-- compareTagsVersionOrder in lib/oci/tag-sort.ts (tests/integration/tag-pages.test.ts checks both).
-- A creation date on or before 1970-01-02 (zero dates of reproducible builds) counts as none.
CREATE FUNCTION layerscope_version_order(t text, created timestamp) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  k bytea;
BEGIN
  k := layerscope_version_key(t);
  IF get_byte(k, 0) = 49 THEN -- '1': a version
    RETURN '\x33'::bytea || substring(k from 2);
  END IF;
  IF created IS NOT NULL AND created > timestamp '1970-01-02' THEN
    RETURN convert_to('2' || lpad((floor(extract(epoch FROM created) * 1000)::bigint + 1000000000000000)::text, 17, '0')
      || E'\x01' || layerscope_natural_text(t), 'UTF8');
  END IF;
  RETURN convert_to('1' || layerscope_natural_text(t), 'UTF8');
END $$;

CREATE OR REPLACE FUNCTION layerscope_tags_sort_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.natural_key := convert_to(layerscope_natural_text(NEW.name), 'UTF8');
  SELECT m.created_at, m.size_bytes INTO NEW.created_at, NEW.size_bytes FROM manifests m WHERE m.digest = NEW.digest;
  NEW.version_key := layerscope_version_order(NEW.name, NEW.created_at);
  RETURN NEW;
END $$;

UPDATE tags SET version_key = layerscope_version_order(name, created_at);
