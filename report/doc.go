// Package report writes histocount's outputs: CSV tables and JSON documents
// streamed row by row as images finish, and PNG overlays and label images.
//
// Every file is written to a temporary file in the destination directory
// and renamed into place only when complete (rename is atomic on POSIX
// file systems), so a reader — or a LIMS after a killed job — never sees a
// half-written file. An interrupted run still commits the rows it has, so
// nothing already computed is lost.
package report
