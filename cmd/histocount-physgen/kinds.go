package main

import (
	"github.com/histocount/histocount/internal/physgen/chamber"
	"github.com/histocount/histocount/internal/physgen/sections"
)

func kinds() []kind {
	return []kind{
		{"chamber", 40, func(d string, s uint64, n int) error { return chamber.WriteDataset(d, s, n, chamber.Options{}) }},
		{"sections", 24, func(d string, s uint64, n int) error { return sections.WriteDataset(d, s, n, sections.Options{}) }},
	}
}
