package job

import (
	"bytes"
	"testing"

	"github.com/histocount/histocount/models"
)

// A line carries its own digest: it verifies as written, and any edit
// (here one digit of a count) is recognised.
func TestRecordDigest(t *testing.T) {
	rec := models.ItemResult{SchemaVersion: models.SchemaVersion, ID: "a", Kind: models.KindCells, Status: models.StatusOK,
		Cells: &models.CellsImage{Live: 12, Dead: 3}}
	line, err := EncodeRecord(&rec)
	if err != nil {
		t.Fatal(err)
	}
	if line[len(line)-1] != '\n' || rec.Provenance.RecordSHA256 != "" {
		t.Fatalf("line %q, record digest left %q", line, rec.Provenance.RecordSHA256)
	}
	line = line[:len(line)-1]
	if err := CheckRecordDigest(line); err != nil {
		t.Fatalf("fresh line: %v", err)
	}
	edited := bytes.Replace(line, []byte(`"live":12`), []byte(`"live":13`), 1)
	if bytes.Equal(edited, line) {
		t.Fatalf("no live count in %s", line)
	}
	if err := CheckRecordDigest(edited); err == nil {
		t.Error("edited line passed")
	}
	if err := CheckRecordDigest([]byte(`{"id":"a"}`)); err == nil {
		t.Error("line without a digest passed")
	}
}

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		counts      models.JobCounts
		interrupted bool
		want        int
	}{
		{models.JobCounts{OK: 3}, false, ExitOK},
		{models.JobCounts{Skipped: 2}, false, ExitOK},
		{models.JobCounts{OK: 2, Failed: 1}, false, ExitPartial},
		{models.JobCounts{Skipped: 1, Failed: 1}, false, ExitPartial},
		{models.JobCounts{Failed: 2}, false, ExitFailure},
		{models.JobCounts{OK: 3}, true, ExitInterrupted},
		{models.JobCounts{}, false, ExitOK},
	} {
		if got := ExitCode(c.counts, c.interrupted); got != c.want {
			t.Errorf("ExitCode(%+v, %v) = %d, want %d", c.counts, c.interrupted, got, c.want)
		}
	}
}
