package main

import (
	"github.com/histocount/histocount/internal/physgen/chamber"
	"github.com/histocount/histocount/internal/physgen/dapi"
	"github.com/histocount/histocount/internal/physgen/kc167"
	"github.com/histocount/histocount/internal/physgen/plates"
	"github.com/histocount/histocount/internal/physgen/sections"
	"github.com/histocount/histocount/internal/physgen/twochannel"
)

// kinds lists the data sets; mitotic is the largest per-field mitotic
// fraction of the dapi and twochannel fields (0 = the pre-mitosis output).
func kinds(mitotic float64) []kind {
	return []kind{
		{"chamber", 40, func(d string, s uint64, n int) error { return chamber.WriteDataset(d, s, n, chamber.Options{}) }},
		{"plates", 20, plates.WriteDataset},
		{"sections", 24, func(d string, s uint64, n int) error { return sections.WriteDataset(d, s, n, sections.Options{}) }},
		{"twochannel", 20, func(d string, s uint64, n int) error {
			return twochannel.WriteDataset(d, s, n, twochannel.Options{Mitotic: mitotic})
		}},
		{"dapi", 20, func(d string, s uint64, n int) error {
			return dapi.WriteDatasetOpt(d, s, n, dapi.Options{Mitotic: mitotic})
		}},
		{"kc167", 20, kc167.WriteDataset},
	}
}
