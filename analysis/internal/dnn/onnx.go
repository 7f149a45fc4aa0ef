package dnn

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// checkONNX walks the protobuf wire format of an ONNX ModelProto before
// OpenCV sees it: OpenCV aborts the process (an uncaught C++ exception in
// gocv) on bytes it cannot parse. It requires ir_version (field 1) and a
// graph (field 7) that itself parses and holds at least one node (field 1).
// It does not prove OpenCV supports every operator.
func checkONNX(b []byte) error {
	fields, err := wireFields(b)
	if err != nil {
		return fmt.Errorf("%w: not an ONNX model: %v", ErrModel, err)
	}
	graph, ok := fields[7]
	if _, hasIR := fields[1]; !hasIR || !ok {
		return fmt.Errorf("%w: not an ONNX model: no ir_version or graph", ErrModel)
	}
	g, err := wireFields(graph)
	if err != nil {
		return fmt.Errorf("%w: ONNX graph: %v", ErrModel, err)
	}
	if _, ok := g[1]; !ok {
		return fmt.Errorf("%w: ONNX graph has no nodes", ErrModel)
	}
	return nil
}

// wireFields parses one protobuf message level and returns, per field
// number, the payload of its last length-delimited occurrence (nil for
// scalar fields).
func wireFields(b []byte) (map[uint64][]byte, error) {
	out := map[uint64][]byte{}
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("bad field key")
		}
		b = b[n:]
		field := key >> 3
		if field == 0 {
			return nil, errors.New("field number 0")
		}
		switch key & 7 {
		case 0: // varint
			_, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, errors.New("bad varint")
			}
			b = b[n:]
			out[field] = nil
		case 1: // 64-bit
			if len(b) < 8 {
				return nil, errors.New("truncated fixed64")
			}
			b = b[8:]
			out[field] = nil
		case 2: // length-delimited
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, errors.New("bad length")
			}
			out[field] = b[n : n+int(l)]
			b = b[n+int(l):]
		case 5: // 32-bit
			if len(b) < 4 {
				return nil, errors.New("truncated fixed32")
			}
			b = b[4:]
			out[field] = nil
		default:
			return nil, fmt.Errorf("wire type %d", key&7)
		}
	}
	return out, nil
}
