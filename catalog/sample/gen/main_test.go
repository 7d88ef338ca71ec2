package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The committed files are what the generator writes: edit main.go, then
// run `go run ./catalog/sample/gen`.
func TestSampleFilesAreUpToDate(t *testing.T) {
	files, err := render()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("catalog/sample/%s is stale; run go run ./catalog/sample/gen", name)
		}
	}
}
