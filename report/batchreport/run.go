package batchreport

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/histocount/histocount/models"
	"github.com/histocount/histocount/report/htmlreport"
	"github.com/histocount/histocount/report/human"
)

// RunItem is what the run report needs of one results.jsonl line.
type RunItem struct {
	ID, Kind, Sample, Status, Error string
	QC                              []string
	Summary                         string // the item's main numbers, in words
}

// RunPage builds the report of a LIMS job (`histocount run`): counts, the
// per-sample aggregates of summary.json, failed and flagged items, and an
// overlay gallery when overlays were written.
func RunPage(s models.JobSummary, items []RunItem, overlay Overlay) htmlreport.Page {
	p := htmlreport.Page{Title: "Job " + s.JobID, Subtitle: "histocount " + s.Command}
	c := s.Counts
	p.Meta = []htmlreport.KV{{Key: "items", Value: strconv.Itoa(c.Total)}, {Key: "ok", Value: strconv.Itoa(c.OK)},
		{Key: "reused", Value: strconv.Itoa(c.Skipped)}, {Key: "failed", Value: strconv.Itoa(c.Failed)},
		{Key: "interrupted", Value: strconv.Itoa(c.Interrupted)}, {Key: "flagged", Value: strconv.Itoa(c.Flagged)}, {Key: "exit code", Value: strconv.Itoa(s.ExitCode)}}
	if s.Shard != nil {
		p.Meta = append(p.Meta, htmlreport.KV{Key: "shard", Value: fmt.Sprintf("%d of %d", s.Shard.Index, s.Shard.Count)})
	}
	st := htmlreport.Section{ID: "status", Heading: "Status"}
	if c.Failed == 0 && c.Interrupted == 0 {
		st.Banner = &htmlreport.Banner{Text: "Every item analysed", OK: true, Sub: fmt.Sprintf("%d flagged for a look", c.Flagged)}
	} else {
		st.Banner = &htmlreport.Banner{Text: fmt.Sprintf("%d failed, %d interrupted", c.Failed, c.Interrupted), Sub: "listed below; the others are written"}
	}
	p.Sections = append(p.Sections, st)
	if len(s.CellsSamples) > 0 {
		t := htmlreport.Table{Header: []string{"sample", "fields", "live", "dead", "viability (95 % CI)", "viable cells/ml (95 % CI)", "release"},
			Right: []bool{false, true, true, true, true, true, false}}
		for _, sm := range s.CellsSamples {
			viable := "–"
			if sm.VolumeUL > 0 {
				viable = human.PerML(sm.ViablePerML) + " (" + human.Range(sm.ViablePerMLCILow, sm.ViablePerMLCIHigh, 3) + ")"
			}
			t.Rows = append(t.Rows, []string{sm.Sample, strconv.Itoa(sm.Images), human.Int(int64(sm.Live)), human.Int(int64(sm.Dead)),
				human.Pct(sm.ViabilityPct) + " (" + human.Fixed(sm.ViabilityCILowPct, 1) + " – " + human.Fixed(sm.ViabilityCIHighPct, 1) + ")", viable, sm.Release})
			t.Flag = append(t.Flag, sm.FailedImages > 0 || sm.Release == "fail")
		}
		p.Sections = append(p.Sections, htmlreport.Section{ID: "cells", Heading: "Cell samples", Tables: []htmlreport.Table{t}})
	}
	if len(s.ColoniesSamples) > 0 {
		t := htmlreport.Table{Header: []string{"sample", "dishes", "colonies", "cells seeded", "CFE (95 % CI)"}, Right: []bool{false, true, true, true, true}}
		for _, sm := range s.ColoniesSamples {
			t.Rows = append(t.Rows, []string{sm.Sample, strconv.Itoa(sm.Images), human.Int(int64(sm.Colonies)), human.Sci(sm.CellsSeeded, 3),
				human.Pct(sm.CFEPct) + " (" + human.Fixed(sm.CFECILowPct, 1) + " – " + human.Fixed(sm.CFECIHighPct, 1) + ")"})
			t.Flag = append(t.Flag, sm.FailedImages > 0)
		}
		p.Sections = append(p.Sections, htmlreport.Section{ID: "colonies", Heading: "CFE samples", Tables: []htmlreport.Table{t}})
	}
	it := htmlreport.Table{Header: []string{"item", "kind", "sample", "status", "result", "QC / error"}}
	gi := make([]galleryItem, len(items))
	for i, x := range items {
		flagged := x.Status != models.StatusOK || len(models.Doubtful(x.QC)) > 0
		gi[i] = galleryItem{caption: x.ID + " — " + x.Summary, flagged: flagged}
		if !flagged {
			continue
		}
		what := strings.Join(models.Doubtful(x.QC), ", ")
		if x.Status != models.StatusOK {
			what = x.Error
		}
		it.Rows = append(it.Rows, []string{x.ID, x.Kind, x.Sample, x.Status, x.Summary, what})
		it.Flag = append(it.Flag, true)
	}
	is := htmlreport.Section{ID: "items", Heading: "Failed and flagged items"}
	if len(it.Rows) == 0 {
		is.Lead = []string{"None."}
	} else {
		is.Tables = []htmlreport.Table{it}
	}
	p.Sections = append(p.Sections, is)
	if g, ok := gallery(gi, overlay, "Click a picture for the full-size overlay; flagged items are framed."); ok {
		p.Sections = append(p.Sections, g)
	}
	pv := s.Provenance
	p.Sections = append(p.Sections, htmlreport.Section{ID: "provenance", Heading: "Provenance", KVs: []htmlreport.KV{
		{Key: "histocount", Value: strings.TrimSpace(pv.Version + " " + pv.Commit)}, {Key: "OpenCV / Go", Value: pv.OpenCVVersion + " / " + pv.GoVersion},
		{Key: "host", Value: pv.Host}, {Key: "started", Value: pv.Started}, {Key: "finished", Value: pv.Finished},
		{Key: "manifest sha256", Value: pv.ManifestSHA256}}, Notes: []string{"Machine-readable: results.jsonl and summary.json (histocount schema result|summary)."}})
	p.Footer = "histocount " + pv.Version + " · job " + s.JobID + " · schema " + s.SchemaVersion
	return p
}
