// Package kinds is the per-image work of every analysis kind — decode,
// analyse, write the overlay and label pictures, and the domain rules
// around them (a colony threshold in µm needs a pixel size; a dish without
// cells seeded has no CFE; a field's chamber volume; a nuclei count has no
// release verdict) — with one function per kind: Cells, Colonies, Dermis.
//
// The batch commands (`histocount cells|colonies|dermis`) and the manifest
// runner (internal/job) both call these, so an image gives the same result
// whichever way it was submitted. Writing tables and printing stay with the
// caller.
package kinds
