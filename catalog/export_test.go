package catalog

// SetBatches makes the pipeline check rows and hand products on in small
// batches, so a small file goes through every path a large one does.
func SetBatches(rows, skus int) (restore func()) {
	r, s := rowBatch, flushSKUs
	rowBatch, flushSKUs = rows, skus
	return func() { rowBatch, flushSKUs = r, s }
}
