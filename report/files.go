package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Renderer writes a report in one format.
type Renderer struct {
	// File is the file name the format is written to.
	File   string
	Render func(w io.Writer, r *Report) error
}

// Renderers are every format a run's report is written in.
var Renderers = []Renderer{
	{File: "report.json", Render: RenderJSON},
	{File: "report.csv", Render: RenderCSV},
}

// WriteFiles writes the report in every format into dir, each through a
// temporary file and a rename, and returns the paths written.
func WriteFiles(dir string, r *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, rd := range Renderers {
		p := filepath.Join(dir, rd.File)
		if err := writeFile(p, func(w io.Writer) error { return rd.Render(w, r) }); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func writeFile(path string, render func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(tmp, 64<<10)
	err = errors.Join(render(bw), bw.Flush(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
