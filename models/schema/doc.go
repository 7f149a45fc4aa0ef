// Package schema holds the JSON Schemas (draft 2020-12) of histocount's
// job contract with a LIMS, embedded in the binary and printed by
// `histocount schema NAME`:
//
//	manifest  the job manifest read by `histocount run` and `merge`
//	result    one line of results.jsonl (one manifest item)
//	summary   summary.json (counts, per-sample aggregates, provenance)
//	dilution  dilution.json of `histocount dilution` (ISO 20391-2)
//	passport  passport.json of `histocount passport` (its own version,
//	          models.PassportSchemaVersion)
//
// The schemas mirror the Go types of package models (Manifest and
// KindParams, ItemResult, JobSummary); tests in cmd/histocount validate
// every output of a real run against them and check that the manifest
// schema accepts and rejects the same manifests as models.ParseManifest,
// apart from the rules a schema cannot state (unique ids, duplicate keys,
// existing files, consistent samples), which the schema's description
// lists. All three carry the version of models.SchemaVersion in their $id
// (major version) and accept any 1.x.y schema_version.
package schema
