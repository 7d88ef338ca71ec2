package catalog_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/store"
)

// BenchmarkImportLarge imports a generated catalog of 100 000 products /
// 200 000 SKUs (about 56 MB of JSON, written to a temporary file as it is
// generated, so the file is never in memory) into a fresh SQLite store and
// reports the time, the process's peak RSS (getrusage maxrss) and the Go
// heap's peak. The figures are printed, never asserted:
//
//	go test -run '^$' -bench ImportLarge -benchtime 1x ./catalog/
//
// LARGE_PRODUCTS changes the size; LARGE_FORMAT=csv imports the same
// catalog as CSV.
func BenchmarkImportLarge(b *testing.B) {
	n := 100000
	if v := os.Getenv("LARGE_PRODUCTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	format := catalog.FormatJSON
	if os.Getenv("LARGE_FORMAT") == "csv" {
		format = catalog.FormatCSV
	}
	dir := b.TempDir()
	path := filepath.Join(dir, "large."+string(format))
	size := writeLargeCatalog(b, path, n, format)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		st, err := store.Open(ctx, "sqlite", filepath.Join(dir, fmt.Sprintf("s%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		stop := heapPeak()
		start := time.Now()
		rep, err := catalog.Import(ctx, st, f, format)
		elapsed := time.Since(start)
		peak := stop()
		f.Close()
		st.Close()
		if err != nil || len(rep.Rejected) > 0 || rep.Stored.Created != n || rep.Stored.SKUs != 2*n {
			b.Fatalf("import: %v, %d rejected, %+v", err, len(rep.Rejected), rep.Stored)
		}
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		b.ReportMetric(float64(size)/1e6, "file-MB")
		b.ReportMetric(elapsed.Seconds(), "s")
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB") // Linux: KiB
		b.ReportMetric(float64(peak)/1e6, "heap-peak-MB")
	}
}

// heapPeak samples the Go heap in use every 20 ms until the returned
// function is called, which returns the largest sample.
func heapPeak() func() uint64 {
	done, res := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		var m runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				res <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-res }
}

// writeLargeCatalog writes n products of 2 SKUs each to path, one product
// at a time, and returns the file's size.
func writeLargeCatalog(tb testing.TB, path string, n int, format catalog.Format) int64 {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	if format == catalog.FormatCSV {
		writeLargeCSV(w, n)
	} else {
		writeLargeJSON(w, n)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	st, _ := f.Stat()
	return st.Size()
}

type largeSKU struct {
	Code      string              `json:"code"`
	Specs     []map[string]string `json:"specs"`
	Barcode   string              `json:"barcode"`
	WeightG   int                 `json:"weight_g"`
	Cost      string              `json:"cost"`
	ListPrice string              `json:"list_price"`
	Stock     int                 `json:"stock"`
}

type largeProduct struct {
	Code        string     `json:"code"`
	Title       string     `json:"title"`
	Brand       string     `json:"brand"`
	Category    string     `json:"category"`
	Description string     `json:"description"`
	Images      []string   `json:"images"`
	SKUs        []largeSKU `json:"skus"`
}

func largeProductAt(i int) largeProduct {
	code := fmt.Sprintf("LG-%06d", i)
	img := func(k int) string { return fmt.Sprintf("https://img.example.com/%06d-%d.jpg", i, k) }
	p := largeProduct{Code: code, Title: fmt.Sprintf("山野集 男士纯棉圆领短袖T恤 基础款 %06d", i), Brand: "山野集",
		Category:    "服装/男装/T恤",
		Description: "精梳新疆长绒棉，220克重磅面料，亲肤透气不易变形。",
		Images:      []string{img(1), img(2), img(3)}}
	for k, c := range []string{"白色", "黑色"} {
		p.SKUs = append(p.SKUs, largeSKU{Code: fmt.Sprintf("%s-%d", code, k), Specs: []map[string]string{{"name": "颜色", "value": c}},
			Barcode: "6931400000014", WeightG: 235, Cost: "18.50", ListPrice: "59.90", Stock: 100 + k})
	}
	return p
}

func writeLargeJSON(w io.Writer, n int) {
	io.WriteString(w, "{\"products\": [\n")
	enc := json.NewEncoder(w) // one product a line, as an export tool would write them
	enc.SetEscapeHTML(false)
	for i := range n {
		if i > 0 {
			io.WriteString(w, ",\n")
		}
		_ = enc.Encode(largeProductAt(i))
	}
	io.WriteString(w, "]}\n")
}

func writeLargeCSV(w io.Writer, n int) {
	fmt.Fprintln(w, "spu_code,title,brand,category,description,images,sku_code,specs,barcode,weight_g,cost,list_price,stock")
	for i := range n {
		p := largeProductAt(i)
		for _, s := range p.SKUs {
			fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s|%s|%s,%s,颜色:%s,%s,%d,%s,%s,%d\n", p.Code, p.Title, p.Brand, p.Category, p.Description,
				p.Images[0], p.Images[1], p.Images[2], s.Code, s.Specs[0]["value"], s.Barcode, s.WeightG, s.Cost, s.ListPrice, s.Stock)
		}
	}
}
