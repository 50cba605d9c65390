-- Signatures, attestations and SBOMs are not images: each tag records what it describes and as what,
-- so the tags page can hide them (keyset pages filter on the column) and count them on their subject.
-- layerscope_relation_of mirrors lib/oci/related.ts relationOf; tests/integration/related-artifacts.test.ts
-- checks that they agree.

-- AlterTable
ALTER TABLE "tags" ADD COLUMN     "related_to" TEXT,
ADD COLUMN     "relation" TEXT;

CREATE FUNCTION layerscope_relation_of(types text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN EXISTS (SELECT 1 FROM unnest(types) t WHERE t ~* 'sbom|spdx|cyclonedx|syft') THEN 'sbom'
    WHEN EXISTS (SELECT 1 FROM unnest(types) t WHERE t ~* 'signature|cosign\.simplesigning|notary|sigstore\.bundle|\.sig\y') THEN 'signature'
    WHEN EXISTS (SELECT 1 FROM unnest(types) t WHERE t ~* 'in-toto|intoto|attestation|provenance|slsa|vex') THEN 'attestation'
    ELSE 'artifact'
  END
$$;

-- A cosign-style tag names its subject (the suffix says what it is; the bare referrers-schema tag is
-- whatever its manifest's types say); any other tag describes the manifest's `subject`, if it has one.
CREATE FUNCTION layerscope_tags_related_to() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  m text[];
  subject text;
  types text[];
BEGIN
  m := regexp_match(NEW.name, '^sha256-([a-f0-9]{64})(?:\.(sig|att|sbom))?$');
  SELECT mf.subject_digest INTO subject FROM manifests mf WHERE mf.digest = NEW.digest;
  IF m IS NULL AND subject IS NULL THEN
    NEW.related_to := NULL;
    NEW.relation := NULL;
    RETURN NEW;
  END IF;
  NEW.related_to := CASE WHEN m IS NULL THEN subject ELSE 'sha256:' || m[1] END;
  IF m IS NOT NULL AND m[2] IS NOT NULL THEN
    NEW.relation := CASE m[2] WHEN 'sig' THEN 'signature' WHEN 'att' THEN 'attestation' ELSE 'sbom' END;
  ELSE
    SELECT layerscope_relation_of(
             ARRAY[mf.artifact_type, mf.config_media_type]
             || ARRAY(SELECT l.media_type FROM manifest_layers l WHERE l.manifest_digest = mf.digest))
      INTO NEW.relation FROM manifests mf WHERE mf.digest = NEW.digest;
    NEW.relation := COALESCE(NEW.relation, 'artifact');
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER tags_related_to BEFORE INSERT OR UPDATE OF name, digest ON tags
FOR EACH ROW EXECUTE FUNCTION layerscope_tags_related_to();

-- the tags cached so far
UPDATE tags SET digest = digest
WHERE name ~ '^sha256-[a-f0-9]{64}'
   OR digest IN (SELECT digest FROM manifests WHERE subject_digest IS NOT NULL);

-- A zero creation time (Go's 0001-01-01, or the Unix epoch of reproducible builds) is no creation time:
-- shown as unknown and sorted last, like a missing one (lib/oci/config.ts normalizeTimestamp).
UPDATE image_configs SET created = NULL WHERE created <= TIMESTAMP '1970-01-01 00:00:00';
UPDATE manifests SET created_at = NULL WHERE created_at <= TIMESTAMP '1970-01-01 00:00:00';
UPDATE tags SET created_at = NULL WHERE created_at <= TIMESTAMP '1970-01-01 00:00:00';

-- CreateIndex
CREATE INDEX "tags_repository_id_related_to_idx" ON "tags"("repository_id", "related_to");
