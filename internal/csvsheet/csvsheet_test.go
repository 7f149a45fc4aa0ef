package csvsheet

import "testing"

func TestDialects(t *testing.T) {
	for name, text := range map[string]string{
		"comma":     "\xef\xbb\xbfBatch_ID,Volume\nB1,2.5\n",
		"semicolon": "batch_id;volume\r\nB1;2,5\r\n",
		"tab":       "batch_id\tvolume\nB1\t2.5\n",
	} {
		s, err := Parse([]byte(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !s.Has("batch_id") || len(s.Rows) != 1 || s.Get(s.Rows[0], "batch_id") != "B1" {
			t.Fatalf("%s: %+v", name, s)
		}
		if v, ok := s.Number(s.Get(s.Rows[0], "volume")); !ok || v != 2.5 {
			t.Errorf("%s: volume %v %v", name, v, ok)
		}
	}
	s, _ := Parse([]byte("a,b\n1,NaN\n"))
	if _, ok := s.Number(s.Get(s.Rows[0], "b")); ok {
		t.Error("NaN accepted")
	}
}
