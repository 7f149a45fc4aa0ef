package report

import (
	"encoding/json"
	"fmt"
)

// JSONStream writes one JSON object whose fields are written in order, one
// of them an array streamed element by element, so a 10 000-image
// results.json never has to be held in memory.
//
//	s.Field("schema_version", v) … s.BeginArray("images"); s.Elem(x)…; s.EndArray() … s.Commit()
type JSONStream struct {
	a       *AtomicFile
	n       int // fields written
	inArray bool
	elems   int
	err     error
}

// NewJSONStream opens path and writes the opening brace.
func NewJSONStream(path string) (*JSONStream, error) {
	a, err := Create(path)
	if err != nil {
		return nil, err
	}
	s := &JSONStream{a: a}
	s.raw("{")
	return s, s.err
}

func (s *JSONStream) raw(str string) {
	if s.err == nil {
		_, s.err = s.a.Write([]byte(str))
	}
}

func (s *JSONStream) key(k string) {
	if s.n > 0 {
		s.raw(",")
	}
	s.n++
	kb, _ := json.Marshal(k)
	s.raw("\n  " + string(kb) + ": ")
}

// Field writes "k": v.
func (s *JSONStream) Field(k string, v any) error {
	if s.inArray {
		return fmt.Errorf("report: field %q inside an open array", k)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.key(k)
	s.raw(string(b))
	return s.err
}

// BeginArray opens "k": [.
func (s *JSONStream) BeginArray(k string) error {
	s.key(k)
	s.raw("[")
	s.inArray, s.elems = true, 0
	return s.err
}

// Elem appends one element to the open array.
func (s *JSONStream) Elem(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if s.elems > 0 {
		s.raw(",")
	}
	s.elems++
	s.raw("\n    " + string(b))
	return s.err
}

// EndArray closes the open array.
func (s *JSONStream) EndArray() error {
	if s.elems > 0 {
		s.raw("\n  ")
	}
	s.raw("]")
	s.inArray = false
	return s.err
}

// Commit closes the object and renames the file into place.
func (s *JSONStream) Commit() error {
	if s.inArray {
		s.EndArray()
	}
	s.raw("\n}\n")
	if s.err != nil {
		s.a.Abort()
		return s.err
	}
	return s.a.Commit()
}

// Abort discards the file.
func (s *JSONStream) Abort() { s.a.Abort() }

// Close writes the closing brace and returns the underlying file, ready
// for CommitAll; the stream's first write error, if any, is returned.
func (s *JSONStream) Close() (*AtomicFile, error) {
	if s.inArray {
		s.EndArray()
	}
	s.raw("\n}\n")
	return s.a, s.err
}
