package main

import (
	"context"
	"io"
	"strings"

	"github.com/histocount/histocount/models/schema"
)

const schemaHelp = `
Usage: histocount schema NAME

Prints a JSON Schema (draft 2020-12) of the job contract with a LIMS:

  manifest  the job manifest read by 'histocount run' and 'merge'
  result    one line of results.jsonl
  summary   summary.json
  dilution  dilution.json of 'histocount dilution'
  passport  passport.json of 'histocount passport'

Example:
  histocount schema manifest > histocount-manifest.schema.json
`

func runSchemaCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("schema", schemaHelp, stderr)
	names, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		return usageErrorf("schema needs one name: %s", strings.Join(schema.Names, ", "))
	}
	b, err := schema.Get(names[0])
	if err != nil {
		return usageErrorf("%v", err)
	}
	_, err = stdout.Write(b)
	return err
}
