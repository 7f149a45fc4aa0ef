package eval

import (
	"io"
	"os"
	"testing"

	"github.com/histocount/histocount/analysis/dermis"
	"github.com/histocount/histocount/internal/shareddata"
)

// TestDermisLayersCV: leave-one-slide-out cross-validation of the learned
// layer classifier on skin-pas (trained on three slide groups, scored on
// the fourth), beside the classical labels and the naive baseline.
func TestDermisLayersCV(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four models")
	}
	dir := shareddata.Dir(t, "skin-pas")
	var w io.Writer = io.Discard
	if testing.Verbose() {
		w = os.Stdout
	}
	m, err := SkinPASLayerCV(dir, dermis.DefaultLayerTrainConfig(), w)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%v", m)
}
