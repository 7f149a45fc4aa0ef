// Package pipeline is histocount's concurrent engine: one producer feeds N
// workers, and one collector hands results to a sink in input order while
// the work itself runs out of order.
//
// It follows x/sync/errgroup's MD5All pattern with three owners:
//
//	producer ──jobs (unbuffered)──▶ N workers ──results──▶ collector ─▶ sink
//
// Memory is bounded by a window: item i is only dispatched once item
// i−Window has been emitted, so at most Window items (inputs, analysis
// results, overlays) are alive at any moment however long the batch is, and
// the reorder buffer never holds more than Window results.
//
// Errors: one item's failure (returned error or recovered panic) is data — a
// Result with Err set — and never stops the batch. Only cancellation of the
// context and a failing sink stop it. On cancellation the producer stops
// dispatching, every item already dispatched is finished and emitted, and
// Run returns the context's error: what was computed is never lost, and the
// emitted items are always a gap-free prefix of the input.
package pipeline
