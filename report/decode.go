package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// Decode reads a report in the JSON form one instance at a time: header is
// called with the schema and header (which RenderJSON writes before the
// instances), then instance once per instance, so a large report is never
// held whole. Unknown fields are skipped.
func Decode(r io.Reader, header func(schema string, h Header) error, instance func(*Instance) error) error {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	var schema string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case "schema":
			err = dec.Decode(&schema)
		case "header":
			var h Header
			if err = dec.Decode(&h); err == nil {
				err = header(schema, h)
			}
		case "instances":
			err = decodeInstances(dec, instance)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return err
		}
	}
	return expectDelim(dec, '}')
}

func decodeInstances(dec *json.Decoder, instance func(*Instance) error) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.More() {
		var i Instance
		if err := dec.Decode(&i); err != nil {
			return err
		}
		if err := instance(&i); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t != d {
		return fmt.Errorf("report JSON: want %v, got %v", d, t)
	}
	return nil
}

// ReadReport reads a whole report from its JSON form.
func ReadReport(r io.Reader) (*Report, error) {
	rep := &Report{}
	err := Decode(r, func(schema string, h Header) error {
		rep.Schema, rep.Header = schema, h
		return nil
	}, func(i *Instance) error {
		rep.Instances = append(rep.Instances, i)
		return nil
	})
	return rep, err
}
