package report

import (
	"encoding/json"
	"io"
)

// RenderJSON writes the canonical JSON form, one instance at a time so a
// large report streams instead of being built as one string.
func RenderJSON(w io.Writer, r *Report) error {
	head, err := json.Marshal(struct {
		Schema string `json:"schema"`
		Header Header `json:"header"`
	}{r.Schema, r.Header})
	if err != nil {
		return err
	}
	// Reopen the object to append the instances array.
	if _, err := w.Write(head[:len(head)-1]); err != nil {
		return err
	}
	if _, err := io.WriteString(w, `,"instances":[`); err != nil {
		return err
	}
	for i, inst := range r.Instances {
		if i > 0 {
			if _, err := io.WriteString(w, ","); err != nil {
				return err
			}
		}
		b, err := json.Marshal(inst)
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}
