package schema

import (
	"embed"
	"errors"
	"fmt"
	"strings"
)

//go:embed manifest.json result.json summary.json dilution.json passport.json
var files embed.FS

// Names lists the schemas, in documentation order.
var Names = []string{"manifest", "result", "summary", "dilution", "passport"}

// ErrUnknown is returned by Get for a name not in Names.
var ErrUnknown = errors.New("schema: unknown schema")

// Get returns the JSON text of the schema called name.
func Get(name string) ([]byte, error) {
	for _, n := range Names {
		if n == name {
			return files.ReadFile(name + ".json")
		}
	}
	return nil, fmt.Errorf("%w %q (want %s)", ErrUnknown, name, strings.Join(Names, ", "))
}

// ID returns the $id URL under which the schema called name is published.
func ID(name string) string { return "https://histocount.org/schema/1/" + name + ".json" }
