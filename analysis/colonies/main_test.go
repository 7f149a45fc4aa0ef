package colonies

import (
	"testing"

	"github.com/histocount/histocount/analysis/internal/cvtest"
)

func TestMain(m *testing.M) { cvtest.TestMainLeakCheck(m) }
