package report

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
)

// Format is one output format of a T (a *Report or a *Fleet).
type Format[T any] struct {
	// Name is the format's short name: json, csv, md or html.
	Name string
	// File is the file name the format is written to.
	File string
	// ContentType is the MIME type sinks store it with.
	ContentType string
	Render      func(w io.Writer, v T) error
}

// Renderer is one format of a run's report.
type Renderer = Format[*Report]

// Renderers are every format a run's report is written in.
var Renderers = []Renderer{
	{Name: "json", File: "report.json", ContentType: "application/json", Render: RenderJSON},
	{Name: "csv", File: "report.csv", ContentType: "text/csv; charset=utf-8", Render: RenderCSV},
	{Name: "md", File: "report.md", ContentType: "text/markdown; charset=utf-8", Render: RenderMarkdown},
	{Name: "html", File: "report.html", ContentType: "text/html; charset=utf-8", Render: RenderHTML},
}

// FormatNamed returns the format called name (json, csv, md, html).
func FormatNamed[T any](formats []Format[T], name string) (Format[T], error) {
	var names []string
	for _, f := range formats {
		if f.Name == name {
			return f, nil
		}
		names = append(names, f.Name)
	}
	return Format[T]{}, fmt.Errorf("unknown format %q (want one of %s)", name, strings.Join(names, ", "))
}

// Publish writes v in every format to the sink, under key(file) for each
// format's file name, and returns the keys written. Each format is
// rendered straight into the sink, never held whole in memory.
func Publish[T any](ctx context.Context, s Sink, key func(file string) string, formats []Format[T], v T) ([]string, error) {
	var keys []string
	for _, f := range formats {
		k := key(f.File)
		if err := s.Put(ctx, k, f.ContentType, func(w io.Writer) error { return f.Render(w, v) }); err != nil {
			return keys, fmt.Errorf("%s: put %s: %w", s, k, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// WriteFiles writes the report in every format into dir, each through a
// temporary file and a rename, and returns the paths written.
func WriteFiles(dir string, r *Report) ([]string, error) {
	keys, err := Publish(context.Background(), DirSink{Root: dir}, func(file string) string { return file }, Renderers, r)
	paths := make([]string, len(keys))
	for i, k := range keys {
		paths[i] = filepath.Join(dir, filepath.FromSlash(k))
	}
	return paths, err
}

// ObjectKey is the sink key of one file of a run's report, partitioned for
// Athena/Glue: <prefix>/cycle=<cycle>/group=<group>/<file>. The CSV goes
// one level down, in csv/, so that a table over the CSV reads nothing
// else; a RetryFailed run's files are named report-retry-<n>.<ext> beside
// the cycle's.
func ObjectKey(prefix, cycle, group string, retry int, file string) string {
	if retry > 0 {
		ext := path.Ext(file)
		file = fmt.Sprintf("%s-retry-%d%s", strings.TrimSuffix(file, ext), retry, ext)
	}
	if path.Ext(file) == ".csv" {
		file = "csv/" + file
	}
	return joinKey(prefix, "cycle="+cycle, "group="+group, file)
}

// FleetKey is the sink key of one file of a cycle's fleet roll-up:
// <prefix>/cycle=<cycle>/fleet/<file>.
func FleetKey(prefix, cycle, file string) string {
	return joinKey(prefix, "cycle="+cycle, "fleet", file)
}

func joinKey(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.Trim(p, "/"); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "/")
}
