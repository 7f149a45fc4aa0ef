// Package models holds the result and manifest types that histocount writes
// and reads: the contract with a LIMS. Every type here is plain Go, free of
// OpenCV, and is serialised to JSON with snake_case keys and explicit units
// in the field names (…_um, …_px, …_pct, …_per_ml).
//
// Versioning: SchemaVersion follows semantic versioning. A new optional field
// bumps the minor version; removing or re-typing a field bumps the major
// version. Readers should accept any 1.x document.
package models
